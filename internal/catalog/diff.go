package catalog

import (
	"fmt"
	"reflect"
	"strings"
)

// Change is one difference between two versions of an entry.
type Change struct {
	Field string `json:"field"` // e.g. "share_type", "items[2].grade", "items[+]" (added), "items[-]" (removed)
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Diff lists what changed from version a to version b, field by field;
// items are matched by name, so a reordering is not a change.
func Diff(a, b Metadata) []Change {
	var out []Change
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	t := va.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Name == "Items" {
			continue
		}
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		x, y := show(va.Field(i).Interface()), show(vb.Field(i).Interface())
		if x != y {
			out = append(out, Change{Field: name, Old: x, New: y})
		}
	}
	old := map[string]Item{}
	for _, it := range a.Items {
		old[it.Name] = it
	}
	seen := map[string]bool{}
	for i, it := range b.Items {
		seen[it.Name] = true
		prev, ok := old[it.Name]
		if !ok {
			out = append(out, Change{Field: "items[+]", New: it.Name})
			continue
		}
		vi, vp := reflect.ValueOf(it), reflect.ValueOf(prev)
		it0 := vi.Type()
		for j := 0; j < it0.NumField(); j++ {
			name := strings.Split(it0.Field(j).Tag.Get("json"), ",")[0]
			x, y := show(vp.Field(j).Interface()), show(vi.Field(j).Interface())
			if x != y {
				out = append(out, Change{Field: fmt.Sprintf("items[%d].%s", i, name), Old: x, New: y})
			}
		}
	}
	for _, it := range a.Items {
		if !seen[it.Name] {
			out = append(out, Change{Field: "items[-]", Old: it.Name})
		}
	}
	return out
}

func show(v any) string {
	switch x := v.(type) {
	case []string:
		return strings.Join(x, "、")
	case []ShareMode:
		return strings.Join(strs(x), "、")
	}
	return fmt.Sprint(v)
}
