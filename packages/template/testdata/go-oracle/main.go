package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

type req struct {
	Name   string            `json:"name"`
	Source string            `json:"source"`
	Data   map[string]string `json:"data"` // base64
}
type resp struct {
	Out string `json:"out"` // base64
	Err string `json:"err"`
}

func main() {
	fm := sprig.GenericFuncMap()
	delete(fm, "env")
	delete(fm, "expandenv")
	delete(fm, "getHostByName")
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<24), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		var r req
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			panic(err)
		}
		data := map[string]string{}
		for k, v := range r.Data {
			b, _ := base64.StdEncoding.DecodeString(v)
			data[k] = string(b)
		}
		var out resp
		func() {
			defer func() {
				if p := recover(); p != nil {
					out.Err = fmt.Sprintf("PANIC: %v", p)
				}
			}()
			t, err := template.New(r.Name).Funcs(fm).Parse(r.Source)
			if err != nil {
				out.Err = err.Error()
				return
			}
			var buf bytes.Buffer
			err = t.Execute(&buf, data)
			out.Out = base64.StdEncoding.EncodeToString(buf.Bytes())
			if err != nil {
				out.Err = err.Error()
			}
		}()
		enc.Encode(out)
	}
}
