package secrets

import "reflect"

// Scrub replaces, in place, every known secret in every string reachable
// from v (a pointer: struct fields, slices, arrays, maps — keys and
// values — and pointers, however deep), so that a results.Run can be
// cleaned whole, including fields added after this was written.
func (r *Redactor) Scrub(v any) {
	if r.Empty() {
		return
	}
	r.scrub(reflect.ValueOf(v))
}

func (r *Redactor) scrub(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.scrubElem(v)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				r.scrub(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			r.scrub(v.Index(i))
		}
	case reflect.Map:
		r.scrubMap(v)
	case reflect.String:
		if v.CanSet() {
			if s := r.String(v.String()); s != v.String() {
				v.SetString(s)
			}
		}
	}
}

// scrubElem scrubs what a pointer or interface holds. An interface's value
// is not addressable, so a string in one is replaced through a copy.
func (r *Redactor) scrubElem(v reflect.Value) {
	e := v.Elem()
	if v.Kind() == reflect.Interface && v.CanSet() {
		c := reflect.New(e.Type()).Elem()
		c.Set(e)
		r.scrub(c)
		v.Set(c)
		return
	}
	r.scrub(e)
}

// scrubMap scrubs a map's keys and values; map values are not addressable,
// so each is copied, scrubbed and stored back.
func (r *Redactor) scrubMap(v reflect.Value) {
	if v.IsNil() {
		return
	}
	for _, k := range v.MapKeys() {
		val := reflect.New(v.Type().Elem()).Elem()
		val.Set(v.MapIndex(k))
		r.scrub(val)
		nk := k
		if k.Kind() == reflect.String {
			if s := r.String(k.String()); s != k.String() {
				nk = reflect.ValueOf(s).Convert(k.Type())
				v.SetMapIndex(k, reflect.Value{})
			}
		}
		v.SetMapIndex(nk, val)
	}
}
