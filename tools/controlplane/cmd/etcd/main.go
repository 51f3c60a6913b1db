// Command etcd is etcd's own server entry point, built as a dependency so the replace lines in
// etcd's server/go.mod (which make `go install` refuse it) are ignored.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
