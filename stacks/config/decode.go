package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Decode parses the JSON form of `kost:environment` (what Pulumi hands a program for structured
// config) strictly: every unknown key and every value of the wrong type is a problem, all of them
// reported together, each with its path and, for a likely typo, the key that was meant.
func Decode(data []byte) (*Environment, error) {
	env, ps := decode(data)
	if len(ps) > 0 {
		return nil, ps
	}
	return env, nil
}

// decode returns the environment decoded as far as possible (nil only when the text is not an
// object at all) together with every shape problem, so Load can report shape and validation
// problems in one message.
func decode(data []byte) (*Environment, Problems) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, Problems{{Message: fmt.Sprintf("not a valid structured value: %v", err)}}
	}
	if dec.More() {
		return nil, Problems{{Message: "trailing data after the environment object"}}
	}
	var ps Problems
	checkShape(reflect.TypeFor[Environment](), raw, "", &ps)
	if _, isObject := raw.(map[string]any); !isObject {
		return nil, ps
	}
	// Unmarshal skips unknown keys and values of the wrong type (both already reported) and decodes
	// everything else, so validation can still look at the rest.
	var env Environment
	if err := json.Unmarshal(data, &env); err != nil && len(ps) == 0 {
		return nil, Problems{{Message: fmt.Sprintf("decode: %v", err)}}
	}
	return &env, ps
}

// checkShape walks a decoded JSON value against the Go type it will be decoded into.
func checkShape(t reflect.Type, v any, path string, ps *Problems) {
	if v == nil {
		if t.Kind() == reflect.Pointer || t.Kind() == reflect.Map || t.Kind() == reflect.Slice {
			return
		}
		ps.add(display(path), "must not be null; remove the key to take the default")
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkShape(t.Elem(), v, path, ps)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			ps.add(display(path), "must be a mapping (key: value), got %s", kindOf(v))
			return
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f
			names = append(names, name)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				msg := "unknown key"
				if c, near := closest(k, names); near {
					msg += fmt.Sprintf("; did you mean %q?", c)
				} else {
					msg += "; known keys here: " + strings.Join(names, ", ")
				}
				ps.add(join(path, k), "%s", msg)
				continue
			}
			checkShape(f.Type, obj[k], join(path, k), ps)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			ps.add(display(path), "must be a mapping (key: value), got %s", kindOf(v))
			return
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			checkShape(t.Elem(), obj[k], join(path, k), ps)
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			ps.add(display(path), "must be a list, got %s", kindOf(v))
			return
		}
		for i, e := range arr {
			checkShape(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i), ps)
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			ps.add(display(path), "must be a string, got %s; quote it", kindOf(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			ps.add(display(path), "must be true or false, got %s", kindOf(v))
		}
	case reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			ps.add(display(path), "must be a whole number, got %s", kindOf(v))
			return
		}
		if _, err := strconv.ParseInt(string(n), 10, 32); err != nil {
			ps.add(display(path), "must be a whole number, got %s", n)
		}
	default:
		ps.add(display(path), "unsupported field type %s", t)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func display(path string) string {
	if path == "" {
		return "kost:environment"
	}
	return path
}

func kindOf(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return fmt.Sprintf("%t", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}
