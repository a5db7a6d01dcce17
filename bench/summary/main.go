// Command summary reads the load tool's JSON lines (each labelled sio or
// node) and prints, per scenario and figure, the medians and the ratio
// sio/node as a Markdown table.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

func main() {
	// scenario+tag → figure → label → values
	type key struct{ scenario, figure string }
	values := map[key]map[string][]float64{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		label, _ := line["label"].(string)
		scenario, _ := line["scenario"].(string)
		if tag, ok := line["tag"].(string); ok {
			scenario += " " + tag
		}
		for f, v := range line {
			n, ok := v.(float64)
			if !ok {
				continue
			}
			k := key{scenario, f}
			if values[k] == nil {
				values[k] = map[string][]float64{}
			}
			values[k][label] = append(values[k][label], n)
		}
	}
	keys := make([]key, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].scenario != keys[j].scenario {
			return keys[i].scenario < keys[j].scenario
		}
		return keys[i].figure < keys[j].figure
	})
	fmt.Println("| scenario | figure | sio (median) | node (median) | sio/node | runs |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, k := range keys {
		s, n := values[k]["sio"], values[k]["node"]
		if strings.HasSuffix(k.figure, "clients") || k.figure == "connections" || k.figure == "receivers" || k.figure == "messages" || k.figure == "deliveries" || k.figure == "failed" {
			continue
		}
		ratio := "–"
		if len(s) > 0 && len(n) > 0 && median(n) != 0 {
			ratio = fmt.Sprintf("%.2f", median(s)/median(n))
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %d/%d |\n", k.scenario, k.figure, show(s), show(n), ratio, len(s), len(n))
	}
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func show(v []float64) string {
	if len(v) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.4g", median(v))
}
