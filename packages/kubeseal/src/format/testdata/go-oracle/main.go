// A test oracle, run once by ../generate.mjs: answers JSON-lines requests with what the Go libraries that
// upstream kubeseal v0.40.0 links (sigs.k8s.io/yaml v1.6.0, go.yaml.in/yaml/v2 v2.4.4, encoding/json) do.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

type request struct {
	Op    string `json:"op"`
	Input string `json:"input"`
}

type response struct {
	Out string `json:"out"`
	Err string `json:"err,omitempty"`
}

// target mirrors the string-typed positions kubeseal decodes input into (v1.Secret fields and maps).
type target struct {
	Name       string            `json:"name"`
	Labels     map[string]string `json:"labels"`
	List       []string          `json:"list"`
	Flag       *bool             `json:"flag,omitempty"`
	Extra      interface{}       `json:"extra,omitempty"`
}

func handle(r request) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PANIC: %v", p)
		}
	}()
	switch r.Op {
	case "json-to-yaml": // how kubeseal -o yaml renders an object (apimachinery's YAML serializer)
		b, err := yaml.JSONToYAML([]byte(r.Input))
		return string(b), err
	case "yaml-to-json": // how kubectl and kubeseal read a YAML document (untyped)
		b, err := yaml.YAMLToJSON([]byte(r.Input))
		return string(b), err
	case "yaml-v2-strings": // go-yaml v2 read into interface{}: every scalar with its Go type
		var v interface{}
		if err := yamlv2.Unmarshal([]byte(r.Input), &v); err != nil {
			return "", err
		}
		b, err := json.Marshal(describe(v))
		return string(b), err
	case "yaml-to-target": // typed decoding: non-string scalars at string positions
		var t target
		if err := yaml.Unmarshal([]byte(r.Input), &t); err != nil {
			return "", err
		}
		b, err := json.Marshal(t)
		return string(b), err
	case "json-indent": // encoding/json pretty output of a decoded value
		var v interface{}
		if err := json.Unmarshal([]byte(r.Input), &v); err != nil {
			return "", err
		}
		b, err := json.MarshalIndent(v, "", "  ")
		return string(b), err
	}
	return "", fmt.Errorf("unknown op %q", r.Op)
}

// describe turns a go-yaml value into JSON-able data that keeps scalar types: {"t": type, "v": text}.
func describe(v interface{}) interface{} {
	switch x := v.(type) {
	case map[interface{}]interface{}:
		out := [][2]interface{}{}
		for k, val := range x {
			out = append(out, [2]interface{}{describe(k), describe(val)})
		}
		return map[string]interface{}{"t": "map", "v": out}
	case []interface{}:
		out := []interface{}{}
		for _, val := range x {
			out = append(out, describe(val))
		}
		return map[string]interface{}{"t": "seq", "v": out}
	case nil:
		return map[string]interface{}{"t": "null"}
	default:
		return map[string]interface{}{"t": fmt.Sprintf("%T", x), "v": fmt.Sprint(x)}
	}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	enc := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		out, err := handle(r)
		resp := response{Out: out}
		if err != nil {
			resp.Err = err.Error()
		}
		if err := enc.Encode(resp); err != nil {
			panic(err)
		}
	}
}
