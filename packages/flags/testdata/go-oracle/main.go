// Go oracle for @ssts/flags: reads cases as JSON on stdin and prints what Go's strconv, time, encoding/csv and
// spf13/pflag (the version upstream kubeseal v0.40.0 links) make of them. Not part of any build; run by
// ../generate.mjs.
package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

type cases struct {
	Bool           []string   `json:"bool"`
	Int            []string   `json:"int"`
	Float32        []string   `json:"float32"`
	Duration       []string   `json:"duration"`
	DurationString []int64    `json:"durationString"`
	Quote          []string   `json:"quote"`
	Csv            []string   `json:"csv"`
	Parse          [][]string `json:"parse"`
}

type result struct {
	Value interface{} `json:"value,omitempty"`
	Error string      `json:"error,omitempty"`
}

func one(v interface{}, err error) result {
	if err != nil {
		return result{Error: err.Error()}
	}
	return result{Value: v}
}

type parsed struct {
	Error   string                 `json:"error,omitempty"`
	Help    bool                   `json:"help,omitempty"`
	Values  map[string]interface{} `json:"values,omitempty"`
	Changed []string               `json:"changed,omitempty"`
	Args    []string               `json:"args"`
	AtDash  int                    `json:"argsLenAtDash"`
}

type testFlags struct {
	raw, all, brief, reEncrypt bool
	format, cert               string
	size                       int
	qps                        float32
	period                     time.Duration
	fromFile, asGroup          []string
}

func flagSet() (*pflag.FlagSet, *testFlags) {
	f := &testFlags{}
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&f.raw, "raw", false, "Encrypt one value")
	fs.BoolVarP(&f.all, "all", "a", false, "All of them")
	fs.BoolVarP(&f.brief, "brief", "b", false, "Briefly")
	fs.BoolVar(&f.reEncrypt, "re-encrypt", false, "Re-encrypt")
	fs.BoolVar(&f.reEncrypt, "rotate", false, "Deprecated alias of --re-encrypt")
	fs.StringVarP(&f.format, "format", "o", "json", "Output format")
	fs.StringVar(&f.cert, "cert", "", "Certificate `path` or URL")
	fs.IntVarP(&f.size, "size", "s", 4096, "Key size")
	fs.Float32Var(&f.qps, "qps", 5, "Queries per second\n(negative: unlimited)")
	fs.DurationVar(&f.period, "period", 720*time.Hour, "Renewal period")
	fs.StringSliceVar(&f.fromFile, "from-file", nil, "Files")
	fs.StringArrayVar(&f.asGroup, "as-group", nil, "Groups")
	return fs, f
}

func main() {
	var c cases
	if err := json.NewDecoder(os.Stdin).Decode(&c); err != nil {
		panic(err)
	}
	out := map[string]interface{}{}
	var bools, ints, floats, durations, csvs []result
	for _, s := range c.Bool {
		bools = append(bools, one(strconv.ParseBool(s)))
	}
	for _, s := range c.Int {
		ints = append(ints, one(strconv.ParseInt(s, 0, 64)))
	}
	for _, s := range c.Float32 {
		v, err := strconv.ParseFloat(s, 32)
		if err == nil && (v != v) {
			floats = append(floats, result{Value: "NaN"})
			continue
		}
		if err == nil && (v > 3.5e38 || v < -3.5e38) {
			floats = append(floats, result{Value: strconv.FormatFloat(v, 'g', -1, 64)})
			continue
		}
		floats = append(floats, one(v, err))
	}
	for _, s := range c.Duration {
		d, err := time.ParseDuration(s)
		durations = append(durations, one(d.Nanoseconds(), err))
	}
	for _, s := range c.Csv {
		r := csv.NewReader(strings.NewReader(s))
		rec, err := r.Read()
		csvs = append(csvs, one(rec, err))
	}
	var durationStrings, quotes []string
	for _, n := range c.DurationString {
		durationStrings = append(durationStrings, time.Duration(n).String())
	}
	for _, s := range c.Quote {
		quotes = append(quotes, strconv.Quote(s))
	}
	var parses []parsed
	for _, argv := range c.Parse {
		fs, f := flagSet()
		err := fs.Parse(argv)
		p := parsed{Args: fs.Args(), AtDash: fs.ArgsLenAtDash()}
		if p.Args == nil {
			p.Args = []string{}
		}
		if errors.Is(err, pflag.ErrHelp) {
			p.Help = true
		} else if err != nil {
			p.Error = err.Error()
		} else {
			p.Values = map[string]interface{}{
				"raw": f.raw, "all": f.all, "brief": f.brief, "re-encrypt": f.reEncrypt, "format": f.format,
				"cert": f.cert, "size": f.size, "qps": f.qps, "period": f.period.Nanoseconds(),
				"from-file": f.fromFile, "as-group": f.asGroup,
			}
			fs.Visit(func(fl *pflag.Flag) { p.Changed = append(p.Changed, fl.Name) })
		}
		parses = append(parses, p)
	}
	fs, _ := flagSet()
	out["bool"], out["int"], out["float32"], out["duration"] = bools, ints, floats, durations
	out["durationString"], out["quote"], out["csv"], out["parse"] = durationStrings, quotes, csvs, parses
	out["usage"] = fs.FlagUsages()
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
