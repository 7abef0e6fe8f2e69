package crdcheck

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	apiservercel "k8s.io/apiserver/pkg/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// envDir names the environment variable that overrides the CRD folder.
const envDir = "KOST_CRD_DIR"

// Dir returns the CRD folder: $KOST_CRD_DIR if set, else <repoRoot>/../shared/crds. ok is false when the folder does not exist.
func Dir(repoRoot string) (dir string, ok bool) {
	dir = os.Getenv(envDir)
	if dir == "" {
		dir = filepath.Join(repoRoot, "..", "shared", "crds")
	}
	info, err := os.Stat(dir)
	return dir, err == nil && info.IsDir()
}

// Validator holds the CRDs found under a folder (recursively), by group/version/kind.
type Validator struct {
	versions map[schema.GroupVersionKind]*crdVersion
	kinds    []string
}

// crdVersion is everything the API server's handler builds for one version of one CRD.
type crdVersion struct {
	crd        string // metadata.name of the CRD
	source     string // file the CRD came from, for messages
	served     bool
	namespaced bool
	// structural is the version's schema with defaults pruned, as the API server serves it.
	structural *structuralschema.Structural
	schema     validation.SchemaValidator
	cel        *cel.Validator // nil when the schema has no x-kubernetes-validations
	hasStatus  bool           // status subresource: CREATE drops .status
	scale      *apiextensions.CustomResourceSubresourceScale
}

// Load parses every CustomResourceDefinition in every *.yaml / *.yml file below dir (multi-document files allowed; other kinds skipped).
//
// A broken CRD is reported here rather than at Validate: each served version's schema must be
// structural (ValidateStructural), its defaults must validate and be pruned (ValidateDefaults), and
// its x-kubernetes-validations rules must compile. Two CRDs defining the same group/version/kind are
// an error. (The API server's full ValidateCustomResourceDefinition is not run: its package pulls in
// client-go and the webhook stack.)
func Load(dir string) (*Validator, error) {
	files, err := yamlFiles(dir)
	if err != nil {
		return nil, err
	}
	// Parsing and building dominate; files are independent, so they are handled in parallel and
	// merged in file order, which keeps errors (and duplicate reports) deterministic.
	type result struct {
		versions []gvkVersion
		err      error
	}
	results := make([]result, len(files))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, file := range files {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i].versions, results[i].err = loadFile(file)
		})
	}
	wg.Wait()

	v := &Validator{versions: map[schema.GroupVersionKind]*crdVersion{}}
	for i, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		for _, gv := range r.versions {
			if prev, dup := v.versions[gv.gvk]; dup {
				return nil, fmt.Errorf("crdcheck: %s: CRD %s: %s is already defined by CRD %s in %s", files[i], gv.crd, gv.gvk, prev.crd, prev.source)
			}
			v.versions[gv.gvk] = gv.crdVersion
			v.kinds = append(v.kinds, gv.gvk.String())
		}
	}
	if len(v.versions) == 0 {
		return nil, fmt.Errorf("crdcheck: no CustomResourceDefinition found in %d YAML files under %s", len(files), dir)
	}
	slices.Sort(v.kinds)
	return v, nil
}

// Kinds lists the loaded "group/version, Kind=X" keys (sorted), for messages.
func (v *Validator) Kinds() []string {
	return slices.Clone(v.kinds)
}

// yamlFiles lists the *.yaml and *.yml files below dir in lexical order.
func yamlFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("crdcheck: listing CRD files under %s: %w", dir, err)
	}
	return files, nil
}

// gvkVersion is one version of a loaded CRD under its group/version/kind.
type gvkVersion struct {
	gvk schema.GroupVersionKind
	*crdVersion
}

// loadFile returns the versions of every CRD in one (possibly multi-document) YAML file.
func loadFile(file string) ([]gvkVersion, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("crdcheck: %w", err)
	}
	var versions []gvkVersion
	docs := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 1; ; i++ {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return versions, nil
		}
		if err != nil {
			return nil, fmt.Errorf("crdcheck: %s: reading YAML document %d: %w", file, i, err)
		}
		crd, err := decodeCRD(doc)
		if err != nil {
			return nil, fmt.Errorf("crdcheck: %s: document %d: %w", file, i, err)
		}
		if crd == nil {
			continue
		}
		vs, err := crdVersions(file, crd)
		if err != nil {
			return nil, fmt.Errorf("crdcheck: %s: CRD %s: %w", file, crd.Name, err)
		}
		versions = append(versions, vs...)
	}
}

// decodeCRD returns the CRD in one YAML document, or nil when the document holds something else.
func decodeCRD(doc []byte) (*apiextensionsv1.CustomResourceDefinition, error) {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	var tm metav1.TypeMeta
	if !bytes.HasPrefix(bytes.TrimSpace(js), []byte("{")) || kjson.UnmarshalCaseSensitivePreserveInts(js, &tm) != nil {
		return nil, nil // empty document, list, scalar: not a Kubernetes object
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil || gv.Group != apiextensionsv1.GroupName || tm.Kind != "CustomResourceDefinition" {
		return nil, nil
	}
	if gv != apiextensionsv1.SchemeGroupVersion {
		return nil, fmt.Errorf("CustomResourceDefinition in %s is not supported (kube-apiserver serves only %s)", gv, apiextensionsv1.SchemeGroupVersion)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	strictErrs, err := kjson.UnmarshalStrict(js, crd, kjson.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("decoding CustomResourceDefinition: %w", err)
	}
	if len(strictErrs) > 0 {
		return nil, fmt.Errorf("decoding CustomResourceDefinition strictly: %w", errors.Join(strictErrs...))
	}
	return crd, nil
}

// crdVersions converts crd to the internal API the way the API server does, checks it, and returns
// its versions.
func crdVersions(file string, crd *apiextensionsv1.CustomResourceDefinition) ([]gvkVersion, error) {
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
	internal := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, internal, nil); err != nil {
		return nil, fmt.Errorf("converting to the internal API: %w", err)
	}
	if internal.Spec.Group == "" || internal.Spec.Names.Kind == "" {
		return nil, errors.New("spec.group and spec.names.kind are required")
	}
	if internal.Spec.Scope != apiextensions.NamespaceScoped && internal.Spec.Scope != apiextensions.ClusterScoped {
		return nil, fmt.Errorf("spec.scope %q is neither Namespaced nor Cluster", internal.Spec.Scope)
	}
	var versions []gvkVersion
	for _, ver := range internal.Spec.Versions {
		cv := &crdVersion{
			crd:        internal.Name,
			source:     file,
			served:     ver.Served,
			namespaced: internal.Spec.Scope == apiextensions.NamespaceScoped,
		}
		// Versions that are not served are never resolved by Validate: their validators are not built.
		if ver.Served {
			if err := cv.build(internal, ver.Name); err != nil {
				return nil, fmt.Errorf("version %s: %w", ver.Name, err)
			}
		}
		gvk := schema.GroupVersionKind{Group: internal.Spec.Group, Version: ver.Name, Kind: internal.Spec.Names.Kind}
		versions = append(versions, gvkVersion{gvk: gvk, crdVersion: cv})
	}
	return versions, nil
}

// build prepares the schema validators of one served version, mirroring the API server's CRD handler:
// the structural schema (with defaults pruned) drives pruning, defaulting, list-type, embedded
// ObjectMeta and CEL; the OpenAPI validator is built from the internal JSONSchemaProps.
func (cv *crdVersion) build(crd *apiextensions.CustomResourceDefinition, version string) error {
	val, err := apiextensions.GetSchemaForVersion(crd, version)
	if err != nil {
		return fmt.Errorf("finding the schema: %w", err)
	}
	if val == nil || val.OpenAPIV3Schema == nil {
		return errors.New("no openAPIV3Schema")
	}
	s, err := structuralschema.NewStructural(val.OpenAPIV3Schema)
	if err != nil {
		return fmt.Errorf("building the structural schema: %w", err)
	}
	if errs := structuralschema.ValidateStructural(nil, s); len(errs) > 0 {
		return fmt.Errorf("schema is not structural: %w", errs.ToAggregate())
	}
	errs, err := defaulting.ValidateDefaults(context.Background(), nil, s, true, true)
	if err != nil {
		return fmt.Errorf("validating schema defaults: %w", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid schema defaults: %w", errs.ToAggregate())
	}
	if errs := compileRules(nil, s, model.SchemaDeclType(s, true)); len(errs) > 0 {
		return fmt.Errorf("x-kubernetes-validations: %w", errs.ToAggregate())
	}
	s = s.DeepCopy()
	if err := defaulting.PruneDefaults(s); err != nil {
		return fmt.Errorf("pruning schema defaults: %w", err)
	}
	cv.structural = s

	cv.schema, _, err = validation.NewSchemaValidator(val.OpenAPIV3Schema)
	if err != nil {
		return fmt.Errorf("building the OpenAPI schema validator: %w", err)
	}
	cv.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)

	sub, err := apiextensions.GetSubresourcesForVersion(crd, version)
	if err != nil {
		return fmt.Errorf("finding the subresources: %w", err)
	}
	if sub != nil {
		cv.hasStatus = sub.Status != nil
		cv.scale = sub.Scale
	}
	return nil
}

// compileRules compiles the x-kubernetes-validations rules of s and below, as a new CRD's rules are
// compiled, and returns the rules that do not compile. declType is s's CEL type; children get theirs
// from it, as cel.NewValidator derives them.
func compileRules(pth *field.Path, s *structuralschema.Structural, declType *apiservercel.DeclType) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	if len(s.XValidations) > 0 {
		results, err := cel.Compile(s, declType, celconfig.PerCallLimit, environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion(), true), cel.NewExpressionsEnvLoader())
		if err != nil {
			errs = append(errs, field.InternalError(pth.Child("x-kubernetes-validations"), err))
		}
		for i, r := range results {
			if r.Error != nil {
				errs = append(errs, field.Invalid(pth.Child("x-kubernetes-validations").Index(i).Child("rule"), s.XValidations[i].Rule, r.Error.Error()))
			}
		}
	}
	var elem *apiservercel.DeclType
	if declType != nil {
		elem = declType.ElemType
	}
	errs = append(errs, compileRules(pth.Child("items"), s.Items, elem)...)
	if s.AdditionalProperties != nil {
		errs = append(errs, compileRules(pth.Child("additionalProperties"), s.AdditionalProperties.Structural, elem)...)
	}
	for name, prop := range s.Properties {
		var propType *apiservercel.DeclType
		if escaped, ok := apiservercel.Escape(name); ok && declType != nil {
			if f, ok := declType.Fields[escaped]; ok {
				propType = f.Type
			}
		}
		errs = append(errs, compileRules(pth.Child("properties").Key(name), &prop, propType)...)
	}
	return errs
}

// describe names a version for messages: "kafkas.kafka.strimzi.io (strimzi-1.2.0/040-Crd-kafka.yaml)".
func (cv *crdVersion) describe() string {
	return fmt.Sprintf("%s (%s)", cv.crd, filepath.Join(filepath.Base(filepath.Dir(cv.source)), filepath.Base(cv.source)))
}

// kindList formats the loaded kinds for an error message.
func (v *Validator) kindList() string {
	return strings.Join(v.kinds, "; ")
}
