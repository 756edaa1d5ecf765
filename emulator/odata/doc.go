// Package odata is the emulator's document model and OData query engine:
// it turns untrusted query strings into compiled queries, runs them over
// slices of stored objects, and reads and writes objects the way Graph
// does. Everything here follows Microsoft Graph where its behaviour is
// documented; where it is not, the choices below are the emulator's, made
// so that a spec-following client cannot tell the difference.
//
// # Filters
//
// ParseFilter turns $filter text into a small exported syntax tree (Node);
// Compile binds it to a schema (*Type) and produces a *Filter, a tree of
// closures with every name already resolved. Grammar, lowest precedence
// first: or, and, not, comparison (eq ne gt ge lt le, in (...), has),
// primary (literal, property path, startswith/endswith/contains call,
// parenthesised expression, lambda). Keywords and function names match in
// any case. Literals: 'text' (a doubled quote inside is one quote),
// integers and decimals (sign, exponent), true, false, null, unquoted GUIDs, unquoted DateTimeOffset
// values (2021-01-02T12:00:00Z, ...T12:00:00.1234567+02:00, ...T12:00Z)
// and bare dates (2017-04-01, midnight UTC), and enum literals
// (ns.alertSeverity'high'). Paths go through complex properties (a/b/c),
// may cast to a derived type by qualified name
// (e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName;
// casts resolve without regard to case), end in /$count, or in a lambda
// (coll/any(x: ...), coll/all(x: ...), coll/any()). Inside a lambda a bare
// name still refers to the resource ($it); the range variable must be
// named explicitly (x or x/prop), and nested lambdas need distinct
// variables.
//
// Binding rules. A top-level property must be declared Filter; anything
// below it (inside its complex value or a lambda over it) may then be
// used. Names match exactly, or without regard to case when the root type
// is CaseInsensitive (the legacy alerts API). Open types still reject
// unknown names in filters, and open dictionaries (KindOpen) cannot be
// filtered on. Enum properties take string (or enum) literals, which are
// canonicalised at compile time: an unknown member is an error.
// DateTimeOffset properties take only unquoted DateTimeOffset literals (a
// quoted string is a type error, as on Graph); GUID properties take only
// unquoted GUIDs. Numbers compare across Int64 and Double. null may be
// compared with any single value, complex values included. The three
// string functions take string or enum values (an enum by its member
// name). has is parsed and refused; all is supported although Graph's
// docs say it is not.
//
// Evaluation semantics (the emulator's choices):
//   - Strings compare without regard to case, like Entra ID's default
//     collation: by their lower-case forms (unicode.ToLower per code
//     point), for eq, ne, gt..., in, startswith, endswith and contains
//     alike. GUIDs compare without regard to case too.
//   - Enum values are equal by member; gt/lt compare declaration order.
//   - A missing property is null. x eq null is true when x is missing or
//     null; ne null when present. Every other operator with a null operand
//     is false (two-valued logic: not(x gt 1) is true when x is null).
//   - A cast segment on an object of another type yields null (so any()
//     over mixed evidence simply skips the items of other types).
//   - any over a missing or empty collection is false; all is true.
//   - Data that does not have the kind its schema promises (an int where
//     a string belongs) never panics: every comparison involving it is
//     false, ne included. DateTimeOffset values may be stored as Time (the
//     norm) or as RFC 3339 strings.
//
// Errors are *Error values with Code "BadRequest", worded like Microsoft's
// OData stack ("Invalid filter clause: Syntax error at position 12 in
// 'severity eq'." — positions are 1-based byte offsets). Limits caps the
// filter length, nesting depth (checked before every recursion, so no
// input can overflow the stack), in-list size, $orderby keys, $select
// items and the raw query length.
//
// Two limits bound the cost of evaluating a filter, as ASP.NET OData's
// validation (which Graph runs) does, with its messages ("The query
// specified in the URI is not valid. The Any/All nesting limit of '2' has
// been exceeded. …", "… The node count limit of '100' has been exceeded.
// …"). MaxAnyAllDepth (default 2) bounds how deeply lambdas nest: every
// level multiplies the work per document by the length of a collection,
// so evidence/any(a: evidence/any(b: …)) nested k deep grows as 5^k, and
// k = 9 took seconds per request. ASP.NET's default is 1; the emulator
// allows 2 so that one lambda may sit inside another, as in
// evidence/any(e: e/microsoft.graph.security.deviceEvidence/ipInterfaces/any(i: i eq '10.0.0.1')),
// which clients write. MaxNodeCount (default 100, ASP.NET's default)
// bounds the width: operators, literals, calls, lambdas, $count and path
// segments count one node each, an `in` with its list one. The example
// filters of Graph's documentation that the tests use need at most 11.
// With both, the work per document is at most about 100 × L³ for
// collections of L items.
//
// # Bounded work
//
// Static limits do not know the data: one alert raised with thousands of
// evidence items makes an allowed nested lambda expensive. So a run also
// counts its work (one unit per document position examined, one per item
// a lambda or a $count over a cast visits) against a budget,
// DefaultBudget(n) = 1,048,576 + 64·n units for n documents unless
// RunOptions.Budget says otherwise, and watches its context. Each goroutine
// counts on its own and settles every 1,024 units, when it also looks at
// the context, so the cost is not measurable and a run stops within about
// a millisecond, even inside one document. A run over its budget fails
// with a 400 *Error wrapping ErrWorkLimit ("… exceeds the emulator's work
// limit of N steps …"); a run whose context ended fails with ctx.Err().
// The budget is several times what realistic queries use (the heaviest
// filter the limits allow over ordinary alerts, one lambda nested in
// another over their 3–6 evidence items, costs about 40 units a document).
// Filter.Match, used one document at a time, has no budget.
//
// # Query options and running
//
// ParseQuery reads a raw query string against a Spec (allowed options,
// page sizes, $expand values, limits). It tolerates raw and percent-encoded
// text, '+' for space, any case of option names, and (with
// Spec.DollarOptional, as on beta) options without '$'. Choices where
// Graph is silent or inconsistent:
//   - $top=0 is accepted and returns an empty page (with @odata.count when
//     asked), which makes "count only" queries cheap; Graph documents a
//     minimum of 1 but does not say what 0 does.
//   - An empty $filter, $orderby, $select or $expand is the same as none;
//     an empty $top, $skip or $count is an invalid value.
//   - MaxTop or MaxSkip of 0 means no limit; a $top beyond MaxTop is
//     refused (not clamped), as the legacy alerts API does.
//   - $select=* selects everything; $select takes top-level names only;
//     on an open type an undeclared (dynamic) name is accepted.
//   - $orderby keys must be single primitive values of properties declared
//     Sort; a key may not repeat. Enum keys sort by declaration order,
//     strings without regard to case, null first ascending (last
//     descending).
//
// Query.Run(ctx, docs) filters, counts, orders stably (input order breaks ties),
// skips and takes a page; it uses a bounded heap when the page ends far
// before the last match. Compare exposes the ordering of values.
// Query.RunWith takes what the caller knows (RunOptions: the order the
// documents are already in, and a candidate pre-filter) and may stop
// scanning once the page and the existence of a next page are known;
// Filter.EnumTerms exposes the top-level enum conditions of a filter for
// such pre-filters. Its page is always exactly Run's.
//
// # Reading and writing objects
//
// AppendObject writes an object as Graph does: @odata.type first, declared
// properties in schema order with null or [] for absent ones, then the
// dynamic properties of open types sorted by name; $select and
// Prefer: include-unknown-enum-members are applied while writing. Its
// output is byte-compatible with encoding/json for strings and numbers.
// DecodeObject converts a request body into stored form with Graph's error
// messages; Clone copies an object for copy-on-write updates; Validate
// checks that stored objects match their schema.
package odata
