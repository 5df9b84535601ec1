// Package match selects events: by their full names ([Names], such as
// "communication.message.*"), by an event pattern in Amazon EventBridge's
// language over the envelope ([Pattern]), or by both at once ([Filter],
// what a bus compiles for each subscription). [Path] reads one value of an
// envelope by the dotted paths patterns use.
//
// Each is made by a function named for it — [ParseNames], [ParsePattern],
// [ParsePath], [NewFilter] — which refuses malformed input with an error
// matching [herald.ErrInvalid] that names what is wrong. Each is immutable
// once made and safe for concurrent use; the zero Names, the nil *Pattern
// and the zero Filter match every event, and the zero Path is "data".
//
// # Patterns
//
// A pattern is a JSON object whose fields mirror the envelope's, in the
// shape [herald.Event.MarshalJSON] writes. A field holding an object goes
// one level down; a field holding a list holds when the event's value
// there matches one of the list's items. Every field must hold; fields the
// pattern does not name are ignored. An item is a value to equal ("sent",
// 3, true, null) or one operator:
//
//	{"prefix": "ship"}, {"suffix": ".pdf"}  also {"prefix": {"equals-ignore-case": "ship"}}
//	{"equals-ignore-case": "EU"}
//	{"wildcard": "eu-*-prod"}                "*" for any run of characters, "\\*" for a star
//	{"numeric": [">", 0, "<=", 5]}           one bound or two, or ["=", 3]
//	{"cidr": "10.0.0.0/24"}                  an IPv4 or IPv6 address in the prefix
//	{"exists": true}                         false: the field is missing
//	{"anything-but": …}                      a value that is there and matches none of:
//	                                         a string, a number, a list of them, or one
//	                                         prefix, suffix, equals-ignore-case or
//	                                         wildcard over a string or a list of them,
//	                                         as {"anything-but": {"prefix": ["init", "tmp"]}}
//
// A field "$or" holding a list of patterns holds when one of them does.
// Where the event holds a list, a condition holds when it holds for one of
// its items. Conditions on "data" see the payload as JSON; the envelope's
// other fields are read from the [herald.Event] directly, as [Path.Value]
// reads them, so matching them encodes nothing.
package match
