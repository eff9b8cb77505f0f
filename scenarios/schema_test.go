package scenarios

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/targets"
)

const schemaFile = "../docs/scenario.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("parse %s: %v", schemaFile, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("scenario.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("scenario.schema.json")
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return sch
}

// yamlToJSON converts a YAML scenario to the JSON value a schema validator
// checks (as an editor's YAML extension does).
func yamlToJSON(t *testing.T, file string) any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: to JSON: %v", file, err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaAcceptsShippedScenarios checks every built-in suite, example and
// valid fixture against docs/scenario.schema.json.
func TestSchemaAcceptsShippedScenarios(t *testing.T) {
	sch := compileSchema(t)
	var files []string
	for _, pattern := range []string{"builtin/*.yaml", "../examples/*.yaml", filepath.Join(fixtures, "valid", "*.yaml")} {
		files = append(files, glob(t, pattern)...)
	}
	for _, file := range files {
		if err := sch.Validate(yamlToJSON(t, file)); err != nil {
			t.Errorf("%s does not validate against the schema: %v", file, err)
		}
	}
}

// TestSchemaRejectsInvalidFixtures checks the schema catches the mistakes
// it can express.
func TestSchemaRejectsInvalidFixtures(t *testing.T) {
	sch := compileSchema(t)
	for _, name := range []string{
		"unknown-fields", "wrong-types", "two-load-shapes", "no-load-shape", "target-two-kinds",
		"target-no-kind", "topology-fields", "bad-replicas", "bad-durations", "bad-slo", "empty-requests",
		"no-targets", "unknown-topology", "bad-balancer-policy", "bad-requests", "image-no-port",
		"url-extra-fields", "bad-version-driver", "bad-steps", "bad-ramp", "bad-command",
	} {
		file := filepath.Join(fixtures, "invalid", name+".yaml")
		if err := sch.Validate(yamlToJSON(t, file)); err == nil {
			t.Errorf("%s validates against the schema, want an error", file)
		}
	}
}

// TestSchemaTopologiesMatchCatalog keeps the schema's topology enum in step
// with targets.Catalog.
func TestSchemaTopologiesMatchCatalog(t *testing.T) {
	s := readSchema(t)
	var got []string
	for _, v := range s["$defs"].(map[string]any)["target"].(map[string]any)["properties"].(map[string]any)["topology"].(map[string]any)["enum"].([]any) {
		got = append(got, v.(string))
	}
	if diff := cmp.Diff(topologyNames(), got); diff != "" {
		t.Errorf("docs/scenario.schema.json $defs.target.properties.topology.enum differs from targets.Catalog (-catalog +schema):\n%s", diff)
	}
	for _, topo := range targets.Catalog {
		if !strings.Contains(readDocs(t), "`"+topo.Name+"`") {
			t.Errorf("docs/scenarios.md does not mention topology `%s`", topo.Name)
		}
	}
}

// TestSchemaMatchesModel checks every section of the schema lists exactly
// the fields of the Go model (by their yaml tags), and that the docs name
// each of them.
func TestSchemaMatchesModel(t *testing.T) {
	s := readSchema(t)
	defs := s["$defs"].(map[string]any)
	props := func(m map[string]any) []string {
		var out []string
		for k := range m["properties"].(map[string]any) {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	// Sections whose fields are documented on their own page; the rest
	// in docs/scenarios.md.
	pages := map[string]string{"fault": "faults.md", "autoscale": "faults.md",
		"flow": "flows.md", "flow_step": "flows.md", "capture": "flows.md"}
	for _, tc := range []struct {
		section string
		schema  map[string]any
		model   any
	}{
		{"scenario", s, Scenario{}},
		{"defaults", defs["defaults"].(map[string]any), Defaults{}},
		{"request", defs["request"].(map[string]any), Request{}},
		{"load", defs["load"].(map[string]any), LoadShape{}},
		{"ramp", defs["ramp"].(map[string]any), Ramp{}},
		{"slo", defs["slo"].(map[string]any), SLO{}},
		{"generators", defs["generators"].(map[string]any), Generators{}},
		{"target", defs["target"].(map[string]any), Target{}},
		{"websocket", defs["websocket"].(map[string]any), WebSocket{}},
		{"ws_ramp", defs["ws_ramp"].(map[string]any), WSRamp{}},
		{"fault", defs["fault"].(map[string]any), Fault{}},
		{"autoscale", defs["autoscale"].(map[string]any), Autoscale{}},
		{"flow", defs["flow"].(map[string]any), Flow{}},
		{"flow_step", defs["flow_step"].(map[string]any), FlowStep{}},
		{"capture", defs["capture"].(map[string]any), Capture{}},
		{"cache", defs["cache"].(map[string]any), Cache{}},
		{"db", defs["db"].(map[string]any), Database{}},
		{"queue", defs["queue"].(map[string]any), Queue{}},
	} {
		want := yamlFields(reflect.TypeOf(tc.model))
		page := pages[tc.section]
		if page == "" {
			page = "scenarios.md"
		}
		docs := readDoc(t, page)
		if diff := cmp.Diff(want, props(tc.schema)); diff != "" {
			t.Errorf("schema %s properties differ from the model (-model +schema):\n%s", tc.section, diff)
		}
		for _, f := range want {
			if !strings.Contains(docs, "`"+f+"`") {
				t.Errorf("docs/%s does not document %s field `%s`", page, tc.section, f)
			}
		}
		for name, p := range tc.schema["properties"].(map[string]any) {
			pm, _ := p.(map[string]any)
			if _, ok := pm["description"]; !ok && pm["$ref"] == nil {
				t.Errorf("schema %s.%s has no description", tc.section, name)
			}
		}
	}
}

func yamlFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	sort.Strings(out)
	return out
}

func readSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("parse %s: %v", schemaFile, err)
	}
	return s
}

func readDocs(t *testing.T) string { return readDoc(t, "scenarios.md") }

func readDoc(t *testing.T, page string) string {
	t.Helper()
	data, err := os.ReadFile("../docs/" + page)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
