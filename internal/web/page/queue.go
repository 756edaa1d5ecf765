package page

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
)

// A queue page is a filtered, sorted, paged list (the alert queue, the
// incident queue): every view is a bookmarkable URL whose parameters are
// named after the Graph properties they filter. The kit holds what the
// queues share, so that each feature only says what its filters and rows
// are: the page's frame (the "queue" partial: the heading with the
// total, the filter bar with its search, toggles and "More filters", the
// mistakes, the active filters as chips, paging, the notices, the REST
// request, the keyboard hint), sortable column headers, and paging
// ("26–50 of 400" with previous and next). The feature's page file
// defines "queuetable", the table of its rows, which the frame places.

// Queue is the frame of a queue page, which a feature's view embeds; every
// text is already in the page's language.
type Queue struct {
	// Path is the queue's address, the filter form's action ("/alerts");
	// ID names its elements (the table is #ID, the range #{Kind}-count,
	// the total #{Kind}-total).
	Path, ID, Kind string
	Heading        string
	// Total is the list's length when Graph counted it; TotalTitle says
	// it in words.
	Total      *int64
	TotalTitle string
	// The filter bar: its label, the search box, the toggles that apply at
	// once, and the fields under "More filters" (open when one of them is
	// set wrong).
	FormLabel string
	Search    FilterField
	Toggles   []Toggles
	More      []FilterField
	MoreOpen  bool
	// Hidden are parameters the form carries as they are (the sort);
	// SortError is a sort graphsec does not offer.
	Hidden    []Param
	SortError string
	// Errors is set when a filter needs correcting: ErrorsNotice says so,
	// and nothing was asked of Graph.
	Errors       bool
	ErrorsNotice string
	StaleLink    bool
	Chips        []Chip
	// ClearAll removes every filter ("" when none is active); NoneActive
	// says there is none.
	ClearAll, NoneActive string
	// DefaultHint explains a chip of the queue's default (its status).
	DefaultHint string
	Cols        []Column
	Paging      Paging
	// LocalNotice says that graphsec filtered Graph's pages itself ("" when
	// Graph did all the filtering).
	LocalNotice string
	// WatchTarget and WatchQuery, when set, offer "Watch this view": a
	// form that saves the view's filter as a watch (POST /watches) of
	// the target (the watcher's "alerts" or "incidents").
	WatchTarget, WatchQuery string
	// Empty is the text shown when no row matches.
	Empty     string
	Request   *RequestView
	Shortcuts string
}

// Param is one query parameter.
type Param struct{ Name, Value string }

// FilterField is one field of a queue's filter bar: a select (Choices,
// with "Any" first), a text field or a date (Type "date"); Check adds a
// checkbox under it ("Assigned to me").
type FilterField struct {
	ID, Name, Label, Value, Type, Placeholder, Class string
	Choices                                          []Choice
	// Any is the label of the select's empty choice ("" for a select
	// without one, such as the page size).
	Any   string
	Check *Param
	// CheckLabel labels Check; Checked says whether it is ticked.
	CheckLabel string
	Checked    bool
	// Error is the field's mistake, in the page's language.
	Error string
}

// Toggles are a repeatable filter's values as buttons that apply at once
// (severity, status). Sev colours them as severities; AnyValue sends the
// parameter empty too, so that unticking every one means "any" rather
// than the queue's default.
type Toggles struct {
	Name, Legend string
	Choices      []Choice
	Sev          bool
	AnyValue     bool
	Error        string
}

// Chip is one active filter, with the link that removes it.
type Chip struct {
	Field, Value, Raw, Remove string
	// Default marks the queue's default (its status), not the URL's.
	Default bool
}

// Column is a header of a queue's table: its label's key, and for a
// sortable one the link that sorts by it and the current direction.
type Column struct {
	Key, Class string
	Sort       string // the link; "" for a column Graph cannot sort by
	Dir        string // "ascending", "descending" or "" (aria-sort)
}

// ColumnSpec describes a column: Prop is the property Graph sorts it by
// ("" for none), First the direction of its first click.
type ColumnSpec struct {
	Key, Class, Prop, First string
}

// SortColumns are a queue's headers: every column Graph sorts by links to
// the queue (link) with base's filters sorted by it, the other way round
// when it already is. sort is the current "prop dir" (def when the view
// names none: the order Graph or the queue uses by default).
func SortColumns(base url.Values, link func(url.Values) string, sort, def string, specs ...ColumnSpec) []Column {
	if sort == "" {
		sort = def
	}
	cur, dir, _ := strings.Cut(sort, " ")
	out := make([]Column, len(specs))
	for i, s := range specs {
		c := Column{Key: s.Key, Class: s.Class}
		if s.Prop != "" {
			next := s.First
			if cur == s.Prop {
				c.Dir = map[string]string{"asc": "ascending", "desc": "descending"}[dir]
				next = map[string]string{"asc": "desc", "desc": "asc"}[dir]
			}
			v := CloneValues(base)
			v.Set("sort", s.Prop+" "+next)
			c.Sort = link(v)
		}
		out[i] = c
	}
	return out
}

// CloneValues copies a query.
func CloneValues(base url.Values) url.Values {
	v := make(url.Values, len(base))
	for k, x := range base {
		v[k] = slices.Clone(x)
	}
	return v
}

// WithoutValue is base without one value of a parameter: the query a chip's
// × links to. Without its last status the queue shows every status
// ("status=", not the default).
func WithoutValue(base url.Values, name, value string) url.Values {
	v := CloneValues(base)
	v[name] = slices.DeleteFunc(v[name], func(x string) bool { return x == value })
	if name == "status" && len(v[name]) == 0 {
		v[name] = []string{""}
	}
	if len(v[name]) == 0 {
		delete(v, name)
	}
	return v
}

// Paging is where a page of a queue is: "26–50 of 400", with its first,
// previous and next pages ("" where there is none).
type Paging struct {
	// ID names the range's element; Empty is shown instead when the page
	// has no rows.
	ID, Empty        string
	Shown            int
	From, To, Number int
	Count            *int64
	First, Prev      string
	Next             string
}

// Paging says where the page shows shown rows of a list of count (nil:
// not known), and keeps Graph's next link (nextLink, "" at the end) for
// the next page's link.
func (pg *Pager) Paging(shown int, nextLink string, count *int64) Paging {
	return Paging{
		Shown: shown, Number: pg.Ref.Number, From: pg.Ref.Offset + 1, To: pg.Ref.Offset + shown, Count: count,
		First: pg.First(), Prev: pg.Prev(), Next: pg.Next(nextLink, shown, count),
	}
}

// Listed is one page of a queue: the items Graph gave for the filter (and
// that graphsec's own filters kept), the last Graph page read (its next
// link continues the list), how many Graph pages were read, the list's
// count when Graph gave it, and the first request sent.
type Listed[T any] struct {
	Items      []T
	Last       *graph.Page[T]
	GraphPages int
	Count      *int64
	Request    *graph.Request
}

// ListQueue reads the queue page ref: the first page with first, a later
// one from the next link its token stands for with from. keep, when not
// nil, is the part of the filter graphsec applies itself (Graph cannot):
// it then reads on, at most maxPages Graph pages, until top items are kept,
// and Graph's count (of what it filtered) is not the queue's.
func ListQueue[T any](ctx context.Context, ref PageRef, first func(context.Context) (*graph.Page[T], error),
	from func(context.Context, string) (*graph.Page[T], error), keep func(*T) bool, top, maxPages int) (*Listed[T], error) {
	ctx, sent := Record(ctx)
	var pg *graph.Page[T]
	var err error
	if ref.Link != "" {
		pg, err = from(ctx, ref.Link)
	} else {
		pg, err = first(ctx)
	}
	l := &Listed[T]{Count: ref.Count, Request: sent.First("")}
	for err == nil {
		l.GraphPages++
		l.Last = pg
		if l.Count == nil && keep == nil {
			l.Count = pg.Count
		}
		for i := range pg.Value {
			if keep == nil || keep(&pg.Value[i]) {
				l.Items = append(l.Items, pg.Value[i])
			}
		}
		if keep == nil || len(l.Items) >= top || !pg.HasNext() || l.GraphPages >= maxPages {
			return l, nil
		}
		// The client pages on with the first page's headers.
		pg, _, err = pg.Next(ctx)
	}
	return l, err
}

// Fields builds a queue's filter fields in the page's language, each with
// its mistake (Errs) next to it.
type Fields struct {
	L    *i18n.Printer
	Errs FieldErrors
}

func (fs Fields) msg(name string) string { return fs.Errs[name].In(fs.L) }

// Text is a text field labelled label.
func (fs Fields) Text(id, name, label, value, placeholder string) FilterField {
	return FilterField{ID: id, Name: name, Label: label, Value: value, Placeholder: placeholder, Error: fs.msg(name)}
}

// Date is a date field (UTC) labelled by the catalog's key.
func (fs Fields) Date(id, name, key, value string) FilterField {
	return FilterField{ID: id, Name: name, Label: fs.L.T(key) + " (UTC)", Value: value, Type: "date", Error: fs.msg(name)}
}

// Select is a select with "Any" first, labelled by the catalog's key.
func (fs Fields) Select(id, name, key string, choices []Choice) FilterField {
	return FilterField{ID: id, Name: name, Label: fs.L.T(key), Choices: choices, Any: fs.L.T("filter.any"), Error: fs.msg(name)}
}

// Assigned is the assignee field with its "Assigned to me" box.
func (fs Fields) Assigned(value string, me bool) FilterField {
	f := fs.Text("f-assigned", "assignedTo", fs.L.T("field.assignedTo"), value, "user@contoso.com")
	f.Check, f.CheckLabel, f.Checked = &Param{Name: "assignedToMe", Value: "1"}, fs.L.T("filter.assignedToMe"), me
	return f
}

// Top is the page size's select, labelled by the catalog's key: tops, and
// cur among them.
func (fs Fields) Top(key string, tops []int, cur int) FilterField {
	tops = slices.Clone(tops)
	if !slices.Contains(tops, cur) {
		tops = append(tops, cur)
		slices.Sort(tops)
	}
	f := FilterField{ID: "f-top", Name: "top", Label: fs.L.T(key), Error: fs.msg("top")}
	for _, n := range tops {
		f.Choices = append(f.Choices, Choice{Value: strconv.Itoa(n), Label: fs.L.N(n), Selected: n == cur})
	}
	return f
}

// Search is the search box, its placeholder the catalog's key.
func (fs Fields) Search(value, placeholderKey string) FilterField {
	return FilterField{ID: "f-q", Name: "q", Label: fs.L.T("filter.search"), Value: value, Placeholder: fs.L.T(placeholderKey), Error: fs.msg("q")}
}

// ToggleChoices are a repeatable enum filter's buttons, members of T.
func ToggleChoices[T ~string](fs Fields, name, legendKey string, members, selected []string) Toggles {
	return Toggles{Name: name, Legend: fs.L.T(legendKey), Choices: EnumChoicesOf[T](fs.L, members, selected...), Error: fs.msg(name)}
}

// Chips builds a queue's active filters as chips, each removing one value
// from Base (the view's query) through Link.
type Chips struct {
	L    *i18n.Printer
	Base url.Values
	Link func(url.Values) string
	// DefaultStatus marks the status chips as the queue's default.
	DefaultStatus bool
	List          []Chip
}

func (cs *Chips) remove(name, value string) string {
	return cs.Link(WithoutValue(cs.Base, name, value))
}

// EnumChips adds a chip for each value of an enum filter, labelled as a member
// of T, fieldKey the filter's label.
func EnumChips[T ~string](cs *Chips, name, fieldKey string, values []string) {
	for _, x := range values {
		l := cs.L.Enum(T(x))
		cs.List = append(cs.List, Chip{Field: cs.L.T(fieldKey), Value: l.Text, Raw: x, Remove: cs.remove(name, x), Default: name == "status" && cs.DefaultStatus})
	}
}

// Flag adds the chip of a box that is ticked (assignedToMe=1): its label
// is the catalog's valueKey.
func (cs *Chips) Flag(name, fieldKey, valueKey string, on bool) {
	if on {
		cs.List = append(cs.List, Chip{Field: cs.L.T(fieldKey), Value: cs.L.T(valueKey), Remove: cs.remove(name, "1")})
	}
}

// Text adds a chip for each value of a text filter ("" is none).
func (cs *Chips) Text(name, fieldKey string, values ...string) {
	for _, x := range values {
		if x != "" {
			cs.List = append(cs.List, Chip{Field: cs.L.T(fieldKey), Value: x, Remove: cs.remove(name, x)})
		}
	}
}

// Finish completes the frame from the view's mistakes (fs.Errs) and sort,
// once its fields and chips are set: whether there are mistakes, whether
// "More filters" starts open (one of its fields, or the sort, is wrong),
// the sort the form carries, and the link that clears every filter.
func (q *Queue) Finish(fs Fields, sort string, link func(url.Values) string) {
	q.Errors, q.SortError = fs.Errs.Any(), fs.msg("sort")
	if sort != "" {
		q.Hidden = append(q.Hidden, Param{Name: "sort", Value: sort})
	}
	q.MoreOpen = q.SortError != ""
	for _, f := range q.More {
		q.MoreOpen = q.MoreOpen || f.Error != ""
	}
	if len(q.Chips) > 0 {
		q.ClearAll = link(url.Values{"status": {""}})
	}
}

// QueueServe is what a queue page is made of (the alert queue, the
// incident queue), for ServeQueue: F is its filter, T the items Graph
// lists.
type QueueServe[F, T any] struct {
	// Path is the queue's address, Template its page; TitleKey, CountKey
	// (a plural), LocalKey ({pages}) and NoRowsKey are catalog keys of its
	// title, its total in words, the notice that graphsec filtered Graph's
	// pages itself, and the range of an empty page; RangeID names the
	// range's element.
	Path, Template, TitleKey, CountKey, LocalKey, NoRowsKey, RangeID string
	Access                                                           graph.Access
	// Parse reads the query; Values writes a filter back as its query;
	// Local reports a filter graphsec applies to Graph's pages itself.
	Parse  func(url.Values) (F, FieldErrors)
	Values func(F) url.Values
	Local  func(F) bool
	// View makes the page's data for a filter (its mistakes, and whether
	// the query named a status) and returns it with its frame.
	View func(f F, errs FieldErrors, statusGiven bool) (data any, frame *Queue)
	// Open, when the search names one item, returns its page with the
	// view as its way back (false otherwise).
	Open func(c *graph.Client, f F) (string, bool)
	// List reads a page of the queue; Rows adds its items to the page's
	// data, each linked within the view.
	List func(ctx context.Context, c *graph.Client, f F, ref PageRef, me string) (*Listed[T], error)
	Rows func(items []T, links ItemLinks)
}

// ServeQueue serves a queue page: the view from the query (mistakes
// explained next to their fields, and nothing sent to Graph: 400), the
// page its token names, an item the search names opened, the rows linked
// within the view, the total, the paging and the REST request. A user
// whose roles give no access to security data, or whom Graph refuses the
// security API, gets the page that says what to ask for.
func ServeQueue[F, T any](p *Page, s QueueServe[F, T]) error {
	p.Title = p.L.T(s.TitleKey)
	if p.Role().NoAccess() {
		return p.NoAccess(http.StatusOK, nil)
	}
	q := p.R.URL.Query()
	f, errs := s.Parse(q)
	data, v := s.View(f, errs, q.Has("status"))
	if errs.Any() {
		// Nothing is sent to Graph: the form shows each mistake next to its
		// field, with everything else as entered.
		return p.Render(http.StatusBadRequest, s.Template, data)
	}
	c, err := p.GraphFor(s.Access)
	if err != nil {
		return err
	}
	pager := p.Pager(s.Path, s.Values(f))
	v.StaleLink = pager.Stale
	if pager.Ref.Link == "" && s.Open != nil {
		if to, ok := s.Open(c, f); ok && !p.Started() {
			return p.Redirect(to, http.StatusSeeOther)
		}
	}
	l, err := s.List(p.R.Context(), c, f, pager.Ref, p.Me())
	if l != nil {
		v.Request = Shown("list", l.Request)
	}
	if errors.Is(err, graph.ErrForbidden) {
		// Graph refuses this user the security API: say what to ask for
		// rather than show an error.
		_, ev := p.Explain(err)
		return p.NoAccess(http.StatusForbidden, &ev)
	}
	if err != nil {
		return err
	}
	s.Rows(l.Items, NewItemLinks(pager.Values(), l.Count))
	v.Total = l.Count
	if v.Total != nil {
		v.TotalTitle = p.L.Count(s.CountKey, *v.Total)
	}
	if s.Local(f) {
		v.LocalNotice = p.L.T(s.LocalKey, "pages", l.GraphPages)
	}
	v.Paging = pager.Paging(len(l.Items), l.Last.NextLink, l.Count)
	v.Paging.ID, v.Paging.Empty = s.RangeID, p.L.T(s.NoRowsKey)
	return p.Render(http.StatusOK, s.Template, data)
}

// WatchQuery is a queue view's filter as a watch saves it: its query
// string without what only pages the view (top, sort, page).
func WatchQuery(v url.Values) string {
	w := url.Values{}
	for k, vals := range v {
		switch k {
		case "top", "sort", "page", "from", "i", "n":
			continue
		}
		w[k] = vals
	}
	return w.Encode()
}
