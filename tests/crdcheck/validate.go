package crdcheck

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// ErrUnknownKind is wrapped by Validate's error when apiVersion/kind resolve to no served CRD version.
var ErrUnknownKind = errors.New("no served CustomResourceDefinition version for this kind")

// Error is what Validate returns when the API server would reject the object. It lists every
// problem, not only the first: the unknown field paths (strict field validation) and the field
// errors of metadata, OpenAPI schema, scale, list-type, embedded-resource and CEL validation, with
// their field paths and the API server's own messages.
//
// errors.As(err, &*crdcheck.Error) gives the structure; Unwrap returns one error per problem (the
// field errors are *field.Error).
type Error struct {
	GVK       schema.GroupVersionKind
	Namespace string
	Name      string
	// Unknown holds the paths of fields the schema does not know (e.g. "spec.kafka.foo"); with
	// fieldValidation=Strict each one fails the request.
	Unknown []string
	// Fields holds the validation errors in the order the API server produces them.
	Fields field.ErrorList
}

// Error formats all problems, one per line, after a header naming the object.
func (e *Error) Error() string {
	var b strings.Builder
	name := e.Name
	if e.Namespace != "" {
		name = e.Namespace + "/" + name
	}
	n, plural := len(e.Unknown)+len(e.Fields), "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, "%s %q is invalid (%d problem%s):", e.GVK, name, n, plural)
	for _, p := range e.Unwrap() {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns one error per problem: unknown fields first (worded as the API server's strict
// decoding error), then the field errors.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, len(e.Unknown)+len(e.Fields))
	for _, p := range e.Unknown {
		errs = append(errs, fmt.Errorf("unknown field %q", p))
	}
	for _, fe := range e.Fields {
		errs = append(errs, fe)
	}
	return errs
}

// Validate checks one object. It returns nil when the API server would accept it, otherwise every
// problem with field paths, as a *Error (see there). Other errors: one wrapping ErrUnknownKind, or
// one for an object that cannot be encoded as JSON or has an unparsable apiVersion.
//
// obj is not modified: Validate works on a JSON round-trip of it, so numbers become int64/float64
// exactly as the API server decodes them. The steps, in order:
//  1. resolve apiVersion+kind to a served CRD version;
//  2. metadata: unknown ObjectMeta fields, then ValidateObjectMetaAccessor (name a DNS-1123
//     subdomain, namespace a DNS label, required for Namespaced and forbidden for Cluster scope);
//  3. unknown fields: pruning (and embedded ObjectMeta coercion) with unknown-path tracking;
//  4. defaulting from the schema; then, as on CREATE, .status is dropped when the status
//     subresource is enabled;
//  5. OpenAPI schema validation, scale replicas, embedded ObjectMeta, list-type map/set invariants;
//  6. CEL x-kubernetes-validations, skipped (with the API server's message) when step 2 or 5 found a
//     blocking error, as the API server does.
//
// Where it is stricter than the API server: a Strict request fails with only the unknown-field
// error, while Validate goes on and reports later problems too; metadata.name is required even with
// generateName (no server picks a name here); the namespace is not taken from a request URL, so it
// must be set for Namespaced kinds and absent for Cluster ones (the API server clears it silently).
// Admission (webhooks, policies, quotas) is out of scope.
func (v *Validator) Validate(obj map[string]any) error {
	u, err := jsonCopy(obj)
	if err != nil {
		return err
	}

	// 1. Resolve the kind.
	apiVersion, _ := u["apiVersion"].(string)
	kind, _ := u["kind"].(string)
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return fmt.Errorf("crdcheck: apiVersion %q: %w", apiVersion, err)
	}
	gvk := gv.WithKind(kind)
	cv, ok := v.versions[gvk]
	if !ok {
		return fmt.Errorf("crdcheck: %s: %w; loaded: %s", gvk, ErrUnknownKind, v.kindList())
	}
	if !cv.served {
		return fmt.Errorf("crdcheck: %s: %w: the version is defined by %s but not served", gvk, ErrUnknownKind, cv.describe())
	}
	s := cv.structural
	res := &Error{GVK: gvk}

	// 2. Metadata.
	meta, foundMeta, unknownMeta, err := objectmeta.GetObjectMetaWithOptions(u, objectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	switch {
	case err != nil:
		// The API server fails the request while decoding; ObjectMeta checks would only add noise.
		res.Fields = append(res.Fields, field.Invalid(field.NewPath("metadata"), u["metadata"], fmt.Sprintf("cannot be decoded as ObjectMeta: %v", err)))
		foundMeta = false
	default:
		if meta == nil {
			meta = &metav1.ObjectMeta{}
		}
		res.Namespace, res.Name = meta.Namespace, meta.Name
		res.Unknown = append(res.Unknown, unknownMeta...)
		if meta.Name == "" && meta.GenerateName != "" {
			res.Fields = append(res.Fields, field.Required(field.NewPath("metadata", "name"), "generateName is resolved by the API server only; set a name"))
		}
		res.Fields = append(res.Fields, metavalidation.ValidateObjectMetaAccessor(meta, cv.namespaced, metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	}

	// 3. Unknown fields, as the API server's schema-coercing decoder finds them.
	res.Unknown = append(res.Unknown, pruning.PruneWithOptions(u, s, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	defaulting.PruneNonNullableNullsWithoutDefaults(u, s)
	coerceErr, unknownEmbedded := objectmeta.CoerceWithOptions(nil, u, s, false, objectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	if coerceErr != nil {
		res.Fields = append(res.Fields, coerceErr)
	}
	res.Unknown = append(res.Unknown, unknownEmbedded...)
	if foundMeta {
		if err := objectmeta.SetObjectMeta(u, meta); err != nil {
			return fmt.Errorf("crdcheck: %s: re-encoding metadata: %w", gvk, err)
		}
	}

	// 4. Defaults, then CREATE's PrepareForCreate.
	defaulting.Default(u, s)
	if cv.hasStatus {
		delete(u, "status")
	}

	// 5. Schema validation and the structural invariants checked with it.
	res.Fields = append(res.Fields, validation.ValidateCustomResource(nil, u, cv.schema)...)
	res.Fields = append(res.Fields, cv.validateScale(u)...)
	res.Fields = append(res.Fields, objectmeta.Validate(nil, u, s, false)...)
	res.Fields = append(res.Fields, listtype.ValidateListSetsAndMaps(nil, s, u)...)

	// 6. CEL rules.
	if cv.cel != nil {
		if blocked := blockingError(res.Fields); blocked != nil {
			res.Fields = append(res.Fields, blocked)
		} else {
			celErrs, _ := cv.cel.Validate(context.Background(), nil, s, u, nil, celconfig.RuntimeCELCostBudget)
			res.Fields = append(res.Fields, celErrs...)
		}
	}

	if len(res.Unknown) == 0 && len(res.Fields) == 0 {
		return nil
	}
	return res
}

// jsonCopy deep-copies obj through JSON, the form in which the API server receives it.
func jsonCopy(obj map[string]any) (map[string]any, error) {
	data, err := utiljson.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("crdcheck: encoding the object as JSON: %w", err)
	}
	var u map[string]any
	if err := utiljson.Unmarshal(data, &u); err != nil {
		return nil, fmt.Errorf("crdcheck: decoding the object's JSON: %w", err)
	}
	if u == nil {
		return nil, errors.New("crdcheck: the object is nil")
	}
	return u, nil
}

// blockingError reports whether errs hold an error type after which the API server does not run the
// CEL rules (their input may not have the schema's shape), and the error it then adds.
func blockingError(errs field.ErrorList) *field.Error {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
		}
	}
	return nil
}

// validateScale checks the scale subresource's replica paths: integers in [0, MaxInt32], and a
// string at the label selector path.
func (cv *crdVersion) validateScale(u map[string]any) field.ErrorList {
	if cv.scale == nil {
		return nil
	}
	errs := validateReplicas(u, cv.scale.SpecReplicasPath)
	errs = append(errs, validateReplicas(u, cv.scale.StatusReplicasPath)...)
	if p := cv.scale.LabelSelectorPath; p != nil {
		if sel, _, err := unstructured.NestedString(u, splitPath(*p)...); err != nil {
			errs = append(errs, field.Invalid(field.NewPath(*p), sel, err.Error()))
		}
	}
	return errs
}

func validateReplicas(u map[string]any, path string) field.ErrorList {
	n, _, err := unstructured.NestedInt64(u, splitPath(path)...)
	switch {
	case err != nil:
		return field.ErrorList{field.Invalid(field.NewPath(path), n, err.Error())}
	case n < 0:
		return field.ErrorList{field.Invalid(field.NewPath(path), n, "should be a non-negative integer")}
	case n > math.MaxInt32:
		return field.ErrorList{field.Invalid(field.NewPath(path), n, fmt.Sprintf("should be less than or equal to %v", math.MaxInt32))}
	}
	return nil
}

// splitPath turns a subresource JSON path like ".spec.replicas" into its keys.
func splitPath(p string) []string {
	return strings.Split(strings.TrimPrefix(p, "."), ".")
}
