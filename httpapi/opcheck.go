package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"go.uber.org/zap"

	"github.com/actorgraph/actorgraph/config"
	"github.com/actorgraph/actorgraph/errs"
)

// The operation pre-check. gqlgen parses and validates a query before any
// extension sees it, and both its validation (OverlappingFieldsCanBeMerged
// compares every pair of same-named fields) and any walk that follows
// every fragment spread (a chain of fragments each spreading the next
// twice doubles at every link) can be made to take minutes by a query of
// a few hundred bytes. So the pre-check runs first, as an
// OperationParameterMutator (the hook gqlgen calls before it parses, for
// POST, GET and multipart alike): it parses the text once, with the token
// limit, and measures the operation in one pass that summarises each
// fragment once (a spread reuses its fragment's summary), so its work is
// linear in the query's text whatever the spreads expand to.
//
// It refuses, before gqlgen's validation runs: selection sets larger than
// MaxSelectionSet and operations expanding to more than MaxSelections
// (QUERY_TOO_LARGE), too deep (QUERY_TOO_DEEP), too many aliases
// (TOO_MANY_ALIASES), schema introspection where it is off
// (INTROSPECTION_DISABLED), more analyses than MaxAnalyses or a cost
// above MaxCost (COMPLEXITY_LIMIT_EXCEEDED), and repeated ids in
// nodes(ids) (BAD_USER_INPUT).
//
// A query the pre-check cannot parse, or whose operation it cannot find,
// is left to gqlgen, which answers it with its own parse or validation
// error; the same goes for unknown fields, which cost 1 here.

// analysisDirective marks, in the schema, a field computed over a
// workspace's graph (the analysis engine's fields, subgraph): it weighs
// its cost argument besides its list, may appear once per operation, and
// counts towards MaxAnalyses.
const analysisDirective = "analysis"

// listSizeDirective says, in the schema, how many items a list of
// objects without first weighs as (assumedSize, as in the GraphQL cost
// directive spec): the most it gives where that is small (a subgraph's
// 500 actors, a route's steps), a size real maps rarely pass where the
// service's own limit is larger (a record's sources). The cost rule
// weighs the list as that many items, so a list without first is no
// hole in it: a subgraph's actors with a page of relationships each weigh
// 500 pages.
const listSizeDirective = "listSize"

// opCheck is the pre-check of one server.
type opCheck struct {
	schema        *ast.Schema
	es            graphql.ExecutableSchema
	limits        config.Limits
	introspection bool
	log           *zap.Logger
	docs          *lru.LRU[*parsedDoc]   // parsed query texts, so that a repeated query is not parsed again
	analyses      []*ast.FieldDefinition // the fields marked @analysis; a tally's seen has bit i for analyses[i]
	probeLogged   atomic.Bool            // a refused introspection is logged once per server
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*opCheck)(nil)

func newOpCheck(es graphql.ExecutableSchema, limits config.Limits, introspection bool, log *zap.Logger) *opCheck {
	c := &opCheck{schema: es.Schema(), es: es, limits: limits, introspection: introspection, log: log,
		docs: lru.New[*parsedDoc](256)}
	for _, t := range c.schema.Types {
		for _, f := range t.Fields {
			if f.Directives.ForName(analysisDirective) != nil {
				c.analyses = append(c.analyses, f)
			}
		}
	}
	// The schema's types are a map: sorted, the bits and the names in
	// messages are the same from one start to the next.
	slices.SortFunc(c.analyses, func(a, b *ast.FieldDefinition) int { return strings.Compare(a.Name, b.Name) })
	return c
}

// analysisBit is the bit of a tally's seen for def, 0 when def is not an
// analysis.
func (c *opCheck) analysisBit(def *ast.FieldDefinition) uint64 {
	for i, a := range c.analyses {
		if a == def {
			return 1 << i
		}
	}
	return 0
}

// analysisNames names the analyses of bits.
func (c *opCheck) analysisNames(bits uint64) string {
	var names []string
	for i, a := range c.analyses {
		if bits&(1<<i) != 0 {
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, ", ")
}

func (*opCheck) ExtensionName() string { return "OperationPreCheck" }

// Validate checks, at start-up, what the cost rule reads from the schema:
// every list weighed by first must say what first defaults to, and every
// analysis its cost.
func (c *opCheck) Validate(graphql.ExecutableSchema) error {
	if len(c.analyses) > 64 {
		return fmt.Errorf("%d fields are marked @%s; the pre-check tells at most 64 apart", len(c.analyses), analysisDirective)
	}
	for _, t := range c.schema.Types {
		for _, f := range t.Fields {
			if a := f.Arguments.ForName("first"); a != nil {
				if _, ok := intValue(a.DefaultValue); !ok {
					return fmt.Errorf("%s.%s: the argument first needs an Int default value (the page the list gives when first is null)", t.Name, f.Name)
				}
			}
			if d := f.Directives.ForName(analysisDirective); d != nil {
				if a := d.Arguments.ForName("cost"); a == nil || !isInt(a.Value) {
					return fmt.Errorf("%s.%s: @%s needs an Int cost", t.Name, f.Name, analysisDirective)
				}
			}
			if err := c.checkListSize(t, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkListSize refuses a list of objects the cost rule cannot weigh: one
// without first (or ids) must carry @listSize, but a connection's edges,
// which its field's first already weighs.
func (c *opCheck) checkListSize(t *ast.Definition, f *ast.FieldDefinition) error {
	if d := f.Directives.ForName(listSizeDirective); d != nil {
		if a := d.Arguments.ForName("assumedSize"); a == nil || !isInt(a.Value) {
			return fmt.Errorf("%s.%s: @%s needs an Int assumedSize", t.Name, f.Name, listSizeDirective)
		}
		return nil
	}
	if t.BuiltIn || strings.HasPrefix(t.Name, "__") || f.Type.Elem == nil || f.Arguments.ForName("first") != nil || f.Arguments.ForName("ids") != nil {
		return nil // introspection's own types are answered in memory
	}
	if f.Name == "edges" && strings.HasSuffix(t.Name, "Connection") {
		return nil
	}
	if el := c.schema.Types[f.Type.Elem.Name()]; el == nil || (el.Kind != ast.Object && el.Kind != ast.Interface && el.Kind != ast.Union) {
		return nil // a list of scalars or enums selects nothing below it
	}
	return fmt.Errorf("%s.%s: a list of objects without first needs @%s(assumedSize: …), the items it weighs as, so that its cost can be weighed", t.Name, f.Name, listSizeDirective)
}

func (c *opCheck) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	refused, _ := c.check(p.Query, p.OperationName, p.Variables)
	if refused != nil && errcodeOf(refused) == errs.IntrospectionDisabled.Code() && c.probeLogged.CompareAndSwap(false, true) {
		c.log.Info("introspection refused: it is off on this server (logged once)")
	}
	return refused
}

// parsedDoc is a parsed query text and what the pre-check needs of it
// that does not depend on variables.
type parsedDoc struct {
	doc       *ast.QueryDocument
	fragments map[string]*ast.FragmentDefinition
	largest   int // selections in the document's largest selection set
	written   int // selections in the whole document, as written
}

// parse parses query once (the token limit applies), or returns it from
// the cache; nil when it is not GraphQL. Only documents within the
// selection limits are cached (see check): a refused one is not worth
// the memory.
func (c *opCheck) parse(query string) *parsedDoc {
	if d, ok := c.docs.Get(context.Background(), query); ok {
		return d
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, c.limits.MaxTokens)
	if err != nil {
		return nil
	}
	d := &parsedDoc{doc: doc, fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments))}
	for _, f := range doc.Fragments {
		if _, dup := d.fragments[f.Name]; !dup {
			d.fragments[f.Name] = f
		}
		d.count(f.SelectionSet)
	}
	for _, op := range doc.Operations {
		d.count(op.SelectionSet)
	}
	return d
}

// count adds set's selections, and those of the sets within it, to the
// document's (fragments not followed: each is counted where defined).
// gqlgen validates every operation and fragment of a document, used or
// not, so these counts bound its validation whatever operation runs.
func (d *parsedDoc) count(set ast.SelectionSet) {
	d.largest = max(d.largest, len(set))
	d.written += len(set)
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			d.count(x.SelectionSet)
		case *ast.InlineFragment:
			d.count(x.SelectionSet)
		}
	}
}

// check is the pre-check of one request: the refusal, if any, and how
// many selections it visited (at most the number the text holds).
func (c *opCheck) check(query, opName string, vars map[string]any) (*gqlerror.Error, int) {
	d := c.parse(query)
	if d == nil {
		return nil, 0
	}
	l := c.limits
	if l.MaxSelectionSet > 0 && d.largest > l.MaxSelectionSet {
		return limitError(errs.QueryTooLarge, "a selection set of the query holds %d selections; at most %d are allowed", d.largest, l.MaxSelectionSet), 0
	}
	if l.MaxSelections > 0 && d.written > l.MaxSelections {
		return limitError(errs.QueryTooLarge, "the query text holds %d selections; at most %d are allowed", d.written, l.MaxSelections), 0
	}
	c.docs.Add(context.Background(), query, d)
	op := operation(d.doc, opName)
	if op == nil {
		return nil, 0
	}
	w := &measurer{c: c, d: d, vars: withDefaults(op, vars), memo: map[string]*fragmentTally{}}
	t := w.set(op.SelectionSet, rootType(c.schema, op.Operation))
	if w.refused != nil {
		return w.refused, w.visits
	}
	return c.verdict(t), w.visits
}

// verdict compares an operation's tally with the limits.
func (c *opCheck) verdict(t tally) *gqlerror.Error {
	l := c.limits
	switch {
	case t.introspection && !c.introspection:
		return limitError(errs.IntrospectionDisabled, "introspection (__schema, __type) is disabled on this server")
	case l.MaxDepth > 0 && t.depth > l.MaxDepth:
		return limitError(errs.QueryTooDeep, "the query nests %d levels deep; at most %d are allowed", t.depth, l.MaxDepth)
	case l.MaxAliases > 0 && t.aliases > l.MaxAliases:
		return limitError(errs.TooManyAliases, "the query uses %d aliases; at most %d are allowed", t.aliases, l.MaxAliases)
	case l.MaxSelections > 0 && t.selections > l.MaxSelections:
		return limitError(errs.QueryTooLarge, "the query selects %s fields, each fragment counted every time it is spread; at most %d are allowed",
			countText(t.selections), l.MaxSelections)
	case l.MaxAnalyses > 0 && t.repeated != 0:
		return limitError(errs.TooComplex, "%s is asked for more than once (with aliases or through fragments); an analysis may run once per operation: send the others as separate requests",
			c.analysisNames(t.repeated))
	case l.MaxAnalyses > 0 && t.analyses > l.MaxAnalyses:
		return limitError(errs.TooComplex, "the operation asks for %s analyses (%s); at most %d may run in one operation: send the others as separate requests",
			countText(t.analyses), c.analysisNames(t.seen), l.MaxAnalyses)
	case l.MaxCost > 0 && t.cost > l.MaxCost:
		return limitError(errs.TooComplex, "operation has complexity %s, which exceeds the limit of %d", countText(t.cost), l.MaxCost)
	}
	return nil
}

// countText writes a count that may have saturated.
func countText(n int) string {
	if n >= most {
		return "more than " + strconv.Itoa(most)
	}
	return strconv.Itoa(n)
}

// operation is the operation gqlgen will run: the same lookup as its own.
func operation(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	return doc.Operations.ForName(name)
}

func rootType(s *ast.Schema, op ast.Operation) string {
	var def *ast.Definition
	switch op {
	case ast.Query:
		def = s.Query
	case ast.Mutation:
		def = s.Mutation
	case ast.Subscription:
		def = s.Subscription
	}
	if def == nil {
		return ""
	}
	return def.Name
}

// withDefaults is the request's variables with the operation's defaults
// for those it does not give (gqlgen applies them only after validation).
func withDefaults(op *ast.OperationDefinition, vars map[string]any) map[string]any {
	out := make(map[string]any, len(vars)+len(op.VariableDefinitions))
	for k, v := range vars {
		out[k] = v
	}
	for _, v := range op.VariableDefinitions {
		if _, given := out[v.Variable]; !given && v.DefaultValue != nil {
			if val, err := v.DefaultValue.Value(nil); err == nil {
				out[v.Variable] = val
			}
		}
	}
	return out
}

// tally is what a selection set adds up to, fragments expanded.
type tally struct {
	depth, aliases, selections, analyses, cost int
	introspection                              bool
	seen, repeated                             uint64 // the analyses selected, and those selected more than once (opCheck.analyses' bits)
}

func (t tally) plus(u tally) tally {
	return tally{depth: max(t.depth, u.depth), aliases: add(t.aliases, u.aliases), selections: add(t.selections, u.selections),
		analyses: add(t.analyses, u.analyses), cost: add(t.cost, u.cost), introspection: t.introspection || u.introspection,
		seen: t.seen | u.seen, repeated: t.repeated | u.repeated | t.seen&u.seen}
}

// most is where counts saturate: no count can wrap around to a small one.
const most = int(^uint(0) >> 2)

func add(a, b int) int { return min(a+b, most) } // a, b ≤ most, so a+b cannot overflow

// saturating is a + b*c without overflow (a hostile first cannot wrap the
// cost around to a small number).
func saturating(a, b, c int) int {
	if b > 0 && c > most/b {
		return most
	}
	return add(a, b*c)
}

type fragmentTally struct {
	t    tally
	busy bool // being measured: a spread of it now is a cycle (which validation refuses)
}

// measurer measures one operation under one request's variables.
type measurer struct {
	c       *opCheck
	d       *parsedDoc
	vars    map[string]any
	memo    map[string]*fragmentTally
	visits  int
	refused *gqlerror.Error
}

func (w *measurer) set(set ast.SelectionSet, parent string) tally {
	var t tally
	for _, sel := range set {
		if w.refused != nil {
			return t
		}
		w.visits++
		switch x := sel.(type) {
		case *ast.Field:
			t = t.plus(w.field(x, parent))
		case *ast.InlineFragment:
			typ := parent
			if x.TypeCondition != "" {
				typ = x.TypeCondition
			}
			t = t.plus(w.set(x.SelectionSet, typ))
		case *ast.FragmentSpread:
			t = t.plus(w.spread(x.Name))
		}
	}
	return t
}

// spread is a fragment's tally, measured the first time only: the
// variables are the same wherever it is spread, and so is its type.
func (w *measurer) spread(name string) tally {
	if m := w.memo[name]; m != nil {
		if m.busy {
			return tally{}
		}
		return m.t
	}
	def := w.d.fragments[name]
	if def == nil {
		return tally{} // an unknown fragment: validation refuses it
	}
	m := &fragmentTally{busy: true}
	w.memo[name] = m
	m.t = w.set(def.SelectionSet, def.TypeCondition)
	m.busy = false
	return m.t
}

func (w *measurer) field(f *ast.Field, parent string) tally {
	def := w.c.fieldDef(parent, f.Name)
	child := w.set(f.SelectionSet, namedType(def))
	t := child
	t.depth++
	t.selections = add(t.selections, 1)
	if f.Alias != "" && f.Alias != f.Name {
		t.aliases = add(t.aliases, 1)
	}
	if f.Name == "__schema" || f.Name == "__type" {
		t.introspection = true
	}
	t.cost = w.cost(f, def, parent, child.cost)
	if bit := w.c.analysisBit(def); bit != 0 {
		t = t.plus(tally{analyses: 1, seen: bit})
	}
	return t
}

// cost is what a field costs, its selections' cost being child: a list
// costs its items times child plus one, an analysis its cost besides;
// otherwise the executable schema's complexity, or child plus one.
func (w *measurer) cost(f *ast.Field, def *ast.FieldDefinition, parent string, child int) int {
	if def == nil {
		return add(child, 1)
	}
	var cost int
	if n, ok := w.items(f, def); ok {
		cost = saturating(1, n, max(child, 1))
	} else if c, ok := w.c.es.Complexity(context.Background(), parent, f.Name, child, w.args(f, def)); ok {
		cost = c
	} else {
		cost = add(child, 1)
	}
	if d := def.Directives.ForName(analysisDirective); d != nil {
		weight, _ := intValue(d.Arguments.ForName("cost").Value) // checked at start-up
		cost = add(cost, weight)
	}
	return cost
}

// items is how many items a list field may give: first, or first's
// default when first is null or absent (the resolvers page a null first
// as its default); for nodes(ids), the number of ids, refusing repeats;
// for a list without first, its @listSize.
func (w *measurer) items(f *ast.Field, def *ast.FieldDefinition) (int, bool) {
	if a := def.Arguments.ForName("first"); a != nil {
		if arg := f.Arguments.ForName("first"); arg != nil {
			if v, err := arg.Value.Value(w.vars); err == nil && v != nil {
				if n, ok := toInt(v); ok {
					return max(n, 0), true
				}
				return 0, false // not an Int: validation refuses it
			}
		}
		n, _ := intValue(a.DefaultValue) // checked at start-up
		return n, true
	}
	if def.Arguments.ForName("ids") != nil {
		return w.ids(f)
	}
	if d := def.Directives.ForName(listSizeDirective); d != nil {
		return intValue(d.Arguments.ForName("assumedSize").Value) // checked at start-up
	}
	return 0, false
}

// ids counts the ids of nodes(ids) and refuses a repeated one: each id
// costs a lookup, and a repeat only multiplies the answer.
func (w *measurer) ids(f *ast.Field) (int, bool) {
	arg := f.Arguments.ForName("ids")
	if arg == nil {
		return 0, false
	}
	v, err := arg.Value.Value(w.vars)
	list, ok := v.([]any)
	if err != nil || !ok {
		return 0, false // absent, null or not a list: validation refuses it
	}
	seen := make(map[string]bool, len(list))
	for _, id := range list {
		s := fmt.Sprint(id)
		if seen[s] {
			err := errs.Invalidf("nodes", "ids", "ids: %q is given more than once; give each id once", s)
			w.refused = &gqlerror.Error{Message: err.Msg, Extensions: map[string]any{"code": errs.Invalid.Code(), "field": "ids"}}
			return 0, false
		}
		seen[s] = true
	}
	return len(list), true
}

// args are a field's arguments under the request's variables, defaults
// applied, for the executable schema's complexity functions.
func (w *measurer) args(f *ast.Field, def *ast.FieldDefinition) map[string]any {
	if len(def.Arguments) == 0 {
		return nil
	}
	out := make(map[string]any, len(def.Arguments))
	for _, a := range def.Arguments {
		if arg := f.Arguments.ForName(a.Name); arg != nil {
			if v, err := arg.Value.Value(w.vars); err == nil {
				out[a.Name] = v
			}
		} else if a.DefaultValue != nil {
			out[a.Name], _ = a.DefaultValue.Value(nil)
		}
	}
	return out
}

func (c *opCheck) fieldDef(typeName, field string) *ast.FieldDefinition {
	t := c.schema.Types[typeName]
	if t == nil {
		return nil
	}
	return t.Fields.ForName(field)
}

func namedType(def *ast.FieldDefinition) string {
	if def == nil {
		return ""
	}
	return def.Type.Name()
}

func isInt(v *ast.Value) bool {
	_, ok := intValue(v)
	return ok
}

// intValue is an Int literal's value.
func intValue(v *ast.Value) (int, bool) {
	if v == nil || v.Kind != ast.IntValue {
		return 0, false
	}
	n, err := strconv.Atoi(v.Raw)
	return n, err == nil
}

// toInt reads an Int argument as gqlgen will (graphql.UnmarshalInt): a
// literal (int64), or a variable as JSON gives it (json.Number, float64
// from decoders without UseNumber, or a string of digits, which both
// gqlparser and gqlgen accept for an Int).
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return clampInt(float64(n)), err == nil
	case int:
		return x, true
	case int64:
		return clampInt(float64(x)), true
	case float64:
		if x != math.Trunc(x) {
			return 0, false
		}
		return clampInt(x), true
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return clampInt(float64(n)), true
		}
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) {
			return clampInt(f), true
		}
	}
	return 0, false
}

func clampInt(f float64) int {
	switch {
	case f >= float64(most):
		return most
	case f <= -float64(most):
		return -most
	}
	return int(f)
}

func errcodeOf(e *gqlerror.Error) string {
	code, _ := e.Extensions["code"].(string)
	return code
}
