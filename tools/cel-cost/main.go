// cel-cost evaluates the variables and validations of a ValidatingAdmissionPolicy against one object the way
// kube-apiserver does (k8s.io/apiserver's composited CEL compiler and base environment, strict cost tracking) and
// prints the actual CEL cost of each expression and the evaluation time.
//
//	cel-cost <policy.yaml> <object.json>         one line per variable, then per validation (cumulative cost)
//	cel-cost <policy.yaml> <object.json> total   the whole policy: cost, median and minimum time of 41 runs
//
// The object is evaluated as a CREATE. Every variable is forced, including those a CREATE never reaches, so the
// numbers are upper bounds. CPUPROFILE=<file> writes a Go CPU profile.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/yaml"
)

func main() {
	policyFile, objectFile := os.Args[1], os.Args[2]
	runs := 5
	if pf := os.Getenv("CPUPROFILE"); pf != "" {
		f, err := os.Create(pf)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if len(os.Args) > 3 && os.Args[3] == "total" {
		totalOnly = true
	}
	raw, err := os.ReadFile(policyFile)
	must(err)
	var policy admissionregistrationv1.ValidatingAdmissionPolicy
	must(yaml.Unmarshal([]byte(strings.SplitN(string(raw), "\n---", 2)[0]), &policy))
	objRaw, err := os.ReadFile(objectFile)
	must(err)
	obj := &unstructured.Unstructured{}
	must(json.Unmarshal(objRaw, &obj.Object))

	gvk := schema.GroupVersionKind{Group: "bitnami.com", Version: "v1alpha1", Kind: "SealedSecret"}
	gvr := schema.GroupVersionResource{Group: "bitnami.com", Version: "v1alpha1", Resource: "sealedsecrets"}
	attrs := admission.NewAttributesRecord(obj, nil, gvk, obj.GetNamespace(), obj.GetName(), gvr, "", admission.Create, nil, false, nil)
	va := &admission.VersionedAttributes{Attributes: attrs, VersionedObject: obj, VersionedKind: gvk}
	req := plugincel.CreateAdmissionRequest(attrs, gvrMeta(gvr), gvkMeta(gvk))
	opts := plugincel.OptionalVariableDeclarations{HasAuthorizer: true, StrictCost: true}

	// Expressions in order: each variable (forced by a condition), then each validation. A fresh compiler per
	// prefix, so each line's cost is that of evaluating everything up to it once (variables are cached per run).
	type item struct{ name, expr string }
	var items []item
	for _, v := range policy.Spec.Variables {
		items = append(items, item{"variables." + v.Name, "size([variables." + v.Name + "]) >= 0"})
	}
	for i, v := range policy.Spec.Validations {
		items = append(items, item{fmt.Sprintf("validations[%d]", i), v.Expression})
	}
	total := int64(0)
	budget := int64(1 << 62)
	first := 0
	if totalOnly {
		first = len(items) - 1
		runs = 41
	}
	for k := first; k < len(items); k++ {
		compiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion(), true))
		must(err)
		vars := make([]plugincel.NamedExpressionAccessor, 0, len(policy.Spec.Variables))
		for _, v := range policy.Spec.Variables {
			vars = append(vars, &validating.Variable{Name: v.Name, Expression: v.Expression})
		}
		compiler.CompileAndStoreVariables(vars, opts, environment.StoredExpressions)
		accessors := []plugincel.ExpressionAccessor{}
		for _, it := range items[:k+1] {
			accessors = append(accessors, &validating.ValidationCondition{Expression: it.expr})
		}
		eval := compiler.CompileCondition(accessors, opts, environment.StoredExpressions)
		var cost int64
		var result string
		times := []time.Duration{}
		for r := 0; r < runs; r++ {
			start := time.Now()
			results, remaining, err := eval.ForInput(context.Background(), va, req, plugincel.OptionalVariableBindings{}, nil, budget)
			times = append(times, time.Since(start))
			if err != nil {
				result = "ERROR " + err.Error()
				break
			}
			cost = budget - remaining
			last := results[len(results)-1]
			if last.Error != nil {
				result = "ERROR " + last.Error.Error()
			} else {
				result = fmt.Sprint(last.EvalResult)
			}
		}
		if totalOnly {
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			fmt.Printf("all %d expressions: cost %d, median %.3f ms, min %.3f ms over %d runs\n", len(items), cost, float64(times[len(times)/2].Microseconds())/1000, float64(times[0].Microseconds())/1000, runs)
			continue
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Printf("%-32s cumulative cost %9d  (+%8d)  min %8.3f ms  %s\n", items[k].name, cost, cost-total, float64(times[0].Microseconds())/1000, result)
		total = cost
	}
}

var totalOnly bool

func gvrMeta(r schema.GroupVersionResource) metav1.GroupVersionResource {
	return metav1.GroupVersionResource{Group: r.Group, Version: r.Version, Resource: r.Resource}
}

func gvkMeta(k schema.GroupVersionKind) metav1.GroupVersionKind {
	return metav1.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
