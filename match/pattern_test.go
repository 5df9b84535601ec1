package match_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
	"github.com/herald-go/herald/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// patternEvent is the event most pattern cases match against.
func patternEvent() herald.Event {
	return herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message",
			ID: uuid.MustParse("0b866be9-f83c-4501-a54f-fa3facb582c5")},
		Name: "sent",
		ID:   uuid.MustParse("4c99d051-a526-4526-9cca-34f92a6c8c9d"),
		Data: map[string]any{
			"text": "hey, how are you?", "likes": 3, "ratio": 0.5, "pinned": false, "reply": nil,
			"tags": []any{"greeting", "casual"},
			"ip":   "10.0.0.33", "ip6": "2001:db8::1", "peers": []any{"192.168.1.7", "2001:db8:1::5"},
			"path":   "/usr/lib/libc.so",
			"author": map[string]any{"name": "Jane", "roles": []any{map[string]any{"name": "admin"}}},
		},
		User: &herald.User{ID: "jane.doe@example.com"},
		Metadata: herald.Metadata{
			Timestamp: time.UnixMilli(1421260133331),
			Position:  42, Revision: 3,
			CausationID:   uuid.MustParse("0ff228c1-e9a5-47a6-9b96-a0767082b61e"),
			CorrelationID: uuid.MustParse("0ff228c1-e9a5-47a6-9b96-a0767082b61e"),
			Labels:        map[string]string{"program": "support", "region": "eu-west-1", "herald.flow": "notify"},
			Authorization: &herald.Authorization{Owner: "jane.doe@example.com", ForAuthenticated: true},
		},
	}
}

// patternCases are patterns and whether patternEvent matches them.
var patternCases = []struct {
	pattern string
	match   bool
}{
	{`{}`, true},
	{`{"context":{"name":["communication"]}}`, true},
	{`{"context":{"name":["planning","communication"]}}`, true},
	{`{"context":{"name":["planning"]}}`, false},
	{`{"aggregate":{"name":["message"],"id":["0b866be9-f83c-4501-a54f-fa3facb582c5"]}}`, true},
	{`{"id":["4c99d051-a526-4526-9cca-34f92a6c8c9d"]}`, true},
	{`{"name":[{"prefix":"se"}]}`, true},
	{`{"name":[{"prefix":"SE"}]}`, false},
	{`{"name":[{"prefix":{"equals-ignore-case":"SE"}}]}`, true},
	{`{"name":[{"suffix":"nt"}]}`, true},
	{`{"name":[{"suffix":{"equals-ignore-case":"NT"}}]}`, true},
	{`{"name":[{"equals-ignore-case":"SENT"}]}`, true},
	{`{"name":[{"wildcard":"s*t"}]}`, true},
	{`{"name":[{"wildcard":"*e*"}]}`, true},
	{`{"name":[{"wildcard":"s*x"}]}`, false},
	{`{"name":[{"wildcard":"sent"}]}`, true},
	{`{"name":[{"anything-but":"received"}]}`, true},
	{`{"name":[{"anything-but":["received","sent"]}]}`, false},
	{`{"name":[{"anything-but":{"prefix":"se"}}]}`, false},
	{`{"name":[{"anything-but":{"suffix":"ed"}}]}`, true},
	{`{"name":[{"anything-but":{"equals-ignore-case":"SENT"}}]}`, false},
	{`{"name":[{"anything-but":{"wildcard":"r*"}}]}`, true},
	{`{"type":["domain"]}`, true},
	{`{"user":{"id":[{"suffix":"@example.com"}]}}`, true},
	{`{"user":[{"exists":true}]}`, true},
	{`{"user":[null]}`, false},
	{`{"metadata":{"timestamp":[{"numeric":[">=",1421260133331]}]}}`, true},
	{`{"metadata":{"position":[42]}}`, true},
	{`{"metadata":{"position":[{"numeric":["=",42]}]}}`, true},
	{`{"metadata":{"revision":[{"numeric":[">",3]}]}}`, false},
	{`{"metadata":{"revision":[{"numeric":[">=",3,"<",4]}]}}`, true},
	{`{"metadata":{"revision":[{"numeric":["<=",2]}]}}`, false},
	{`{"metadata":{"revision":["3"]}}`, false},
	{`{"metadata":{"causationId":["0ff228c1-e9a5-47a6-9b96-a0767082b61e"]}}`, true},
	{`{"metadata":{"correlationId":[{"prefix":"0ff2"}]}}`, true},
	{`{"metadata":{"labels":{"program":["support"]}}}`, true},
	{`{"metadata":{"labels":{"herald.flow":["notify"]}}}`, true},
	{`{"metadata":{"labels":{"herald.flow":["other"]}}}`, false},
	{`{"metadata":{"labels":{"team":[{"exists":false}]}}}`, true},
	{`{"metadata":{"labels":{"team":[{"anything-but":"ops"}]}}}`, false},
	{`{"metadata":{"labels":[{"exists":true}]}}`, true},
	{`{"metadata":{"isAuthorized":{"forAuthenticated":[true],"forPublic":[false]}}}`, true},
	{`{"metadata":{"isAuthorized":{"owner":["someone"]}}}`, false},
	{`{"data":{"text":[{"prefix":"hey"}]}}`, true},
	{`{"data":{"likes":[3]}}`, true},
	{`{"data":{"likes":[{"numeric":[">",2,"<",4]}]}}`, true},
	{`{"data":{"ratio":[{"numeric":["<",0.6]}]}}`, true},
	{`{"data":{"pinned":[false]}}`, true},
	{`{"data":{"reply":[null]}}`, true},
	{`{"data":{"reply":[{"exists":true}]}}`, true},
	{`{"data":{"missing":[{"exists":false}]}}`, true},
	{`{"data":{"missing":[null]}}`, false},
	{`{"data":{"tags":["casual"]}}`, true},
	{`{"data":{"tags":[{"anything-but":"greeting"}]}}`, true},
	{`{"data":{"tags":[{"exists":true}]}}`, true},
	{`{"data":{"author":{"name":["Jane"]}}}`, true},
	{`{"data":{"author":{"roles":{"name":["admin"]}}}}`, true},
	{`{"data":{"author":{"roles":{"name":["guest"]}}}}`, false},
	{`{"data":{"text":{"deeper":[{"exists":false}]}}}`, true},
	{`{"$or":[{"name":["received"]},{"metadata":{"revision":[3]}}]}`, true},
	{`{"$or":[{"name":["received"]},{"metadata":{"revision":[4]}}]}`, false},
	{`{"name":["sent"],"$or":[{"data":{"likes":[1]}},{"data":{"likes":[3]}}]}`, true},
	{`{"metadata":{"$or":[{"position":[1]},{"revision":[3]}]}}`, true},
	{`{"context":{"name":[{"prefix":"comm"}]},"name":[{"anything-but":["deleted"]}],"metadata":{"revision":[{"numeric":[">",0]}],"labels":{"region":[{"prefix":"eu-"}]}},"type":["domain"]}`, true},
	{`{"name":[{"anything-but":{"prefix":["re","de"]}}]}`, true},
	{`{"name":[{"anything-but":{"prefix":["re","se"]}}]}`, false},
	{`{"name":[{"anything-but":{"suffix":[".png",".jpg"]}}]}`, true},
	{`{"name":[{"anything-but":{"suffix":["ed","nt"]}}]}`, false},
	{`{"name":[{"anything-but":{"equals-ignore-case":["A","B"]}}]}`, true},
	{`{"name":[{"anything-but":{"equals-ignore-case":["RECEIVED","SeNt"]}}]}`, false},
	{`{"name":[{"anything-but":{"wildcard":["r*","*x*"]}}]}`, true},
	{`{"name":[{"anything-but":{"wildcard":["r*","s*t"]}}]}`, false},
	{`{"data":{"path":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`, false},
	{`{"data":{"path":[{"anything-but":{"wildcard":["*/bin/*","*.a"]}}]}}`, true},
	{`{"data":{"tags":[{"anything-but":{"prefix":["greet","cas"]}}]}}`, false},
	{`{"data":{"tags":[{"anything-but":{"prefix":["greet"]}}]}}`, true},
	{`{"data":{"missing":[{"anything-but":{"prefix":["a"]}}]}}`, false},
	{`{"metadata":{"labels":{"region":[{"anything-but":{"prefix":["us-","ap-"]}}]}}}`, true},
	{`{"data":{"ip":[{"cidr":"10.0.0.0/24"}]}}`, true},
	{`{"data":{"ip":[{"cidr":"10.0.0.1/24"}]}}`, true},
	{`{"data":{"ip":[{"cidr":"10.0.0.33/32"}]}}`, true},
	{`{"data":{"ip":[{"cidr":"10.0.1.0/24"}]}}`, false},
	{`{"data":{"ip":[{"cidr":"0.0.0.0/0"}]}}`, true},
	{`{"data":{"ip":[{"cidr":"::/0"}]}}`, false},
	{`{"data":{"ip6":[{"cidr":"2001:db8::/32"}]}}`, true},
	{`{"data":{"ip6":[{"cidr":"2001:DB8::/32"}]}}`, true},
	{`{"data":{"ip6":[{"cidr":"2001:db9::/32"}]}}`, false},
	{`{"data":{"ip6":[{"cidr":"10.0.0.0/8"}]}}`, false},
	{`{"data":{"peers":[{"cidr":"192.168.0.0/16"}]}}`, true},
	{`{"data":{"peers":[{"cidr":"2001:db8:1::/48"}]}}`, true},
	{`{"data":{"peers":[{"cidr":"172.16.0.0/12"}]}}`, false},
	{`{"data":{"ip":[{"cidr":"172.16.0.0/12"},{"cidr":"10.0.0.0/8"}]}}`, true},
	{`{"data":{"text":[{"cidr":"0.0.0.0/0"}]}}`, false},
	{`{"data":{"likes":[{"cidr":"0.0.0.0/0"}]}}`, false},
	{`{"data":{"missing":[{"cidr":"0.0.0.0/0"}]}}`, false},
	{`{"data":{"ip":[{"anything-but":"10.0.0.1"}],"ip6":[{"cidr":"2001:db8::/32"}]}}`, true},
}

// operatorCases are operators matched against the value of one field of
// the payload, "v": anything-but over lists, and cidr.
var operatorCases = []struct {
	operator string
	value    any
	match    bool
}{
	{`{"anything-but":{"prefix":["init","tmp"]}}`, "initializing", false},
	{`{"anything-but":{"prefix":["init","tmp"]}}`, "tmp/x", false},
	{`{"anything-but":{"prefix":["init","tmp"]}}`, "running", true},
	{`{"anything-but":{"prefix":["init","tmp"]}}`, "", true},
	{`{"anything-but":{"prefix":[""]}}`, "anything", false},
	{`{"anything-but":{"prefix":["init"]}}`, []any{"init-a", "init-b"}, false},
	{`{"anything-but":{"prefix":["init"]}}`, []any{"init-a", "run"}, true},
	{`{"anything-but":{"prefix":["init"]}}`, nil, true},
	{`{"anything-but":{"suffix":[".png",".jpg"]}}`, "cat.png", false},
	{`{"anything-but":{"suffix":[".png",".jpg"]}}`, "cat.PNG", true},
	{`{"anything-but":{"suffix":[".png",".jpg"]}}`, "cat.gif", true},
	{`{"anything-but":{"equals-ignore-case":["a","B"]}}`, "A", false},
	{`{"anything-but":{"equals-ignore-case":["a","B"]}}`, "b", false},
	{`{"anything-but":{"equals-ignore-case":["a","B"]}}`, "ab", true},
	{`{"anything-but":{"equals-ignore-case":"Initializing"}}`, "INITIALIZING", false},
	{`{"anything-but":{"wildcard":"*/lib/*"}}`, "/usr/lib/x.so", false},
	{`{"anything-but":{"wildcard":"*/lib/*"}}`, "/usr/bin/x", true},
	{`{"anything-but":{"wildcard":["*/lib/*","*.tmp"]}}`, "notes.tmp", false},
	{`{"anything-but":{"wildcard":["*/lib/*","*.tmp"]}}`, "notes.txt", true},
	{`{"anything-but":{"wildcard":["a\\*b"]}}`, "a*b", false},
	{`{"anything-but":{"wildcard":["a\\*b"]}}`, "axb", true},
	{`{"cidr":"10.0.0.0/24"}`, "10.0.0.0", true},
	{`{"cidr":"10.0.0.0/24"}`, "10.0.0.255", true},
	{`{"cidr":"10.0.0.0/24"}`, "10.0.1.0", false},
	{`{"cidr":"10.0.0.0/24"}`, "9.255.255.255", false},
	{`{"cidr":"10.0.0.0/24"}`, "::ffff:10.0.0.7", true},
	{`{"cidr":"::ffff:10.0.0.0/120"}`, "::ffff:10.0.0.7", true},
	{`{"cidr":"::ffff:10.0.0.0/120"}`, "10.0.0.7", false},
	{`{"cidr":"10.0.0.0/24"}`, "10.0.0.7/32", false},
	{`{"cidr":"10.0.0.0/24"}`, " 10.0.0.7", false},
	{`{"cidr":"10.0.0.0/24"}`, "010.0.0.7", false},
	{`{"cidr":"10.0.0.0/24"}`, "", false},
	{`{"cidr":"10.0.0.0/24"}`, 10, false},
	{`{"cidr":"10.0.0.0/24"}`, nil, false},
	{`{"cidr":"10.0.0.0/24"}`, []any{"192.0.2.1", "10.0.0.9"}, true},
	{`{"cidr":"0.0.0.0/0"}`, "255.255.255.255", true},
	{`{"cidr":"192.0.2.1/32"}`, "192.0.2.1", true},
	{`{"cidr":"192.0.2.1/32"}`, "192.0.2.2", false},
	{`{"cidr":"2001:db8::/32"}`, "2001:db8:ffff::1", true},
	{`{"cidr":"2001:db8::/32"}`, "2001:DB8::1", true},
	{`{"cidr":"2001:db8::/32"}`, "2001:db9::1", false},
	{`{"cidr":"2001:db8::/32"}`, "2001:db8::1%eth0", false},
	{`{"cidr":"fe80::/10"}`, "fe80::1", true},
	{`{"cidr":"::/0"}`, "::1", true},
	{`{"cidr":"::/0"}`, "127.0.0.1", false},
	{`{"cidr":"2001:db8::1/128"}`, "2001:db8::1", true},
	{`{"cidr":"2001:db8::1/128"}`, "2001:db8::2", false},
}

// operatorPattern is the pattern that puts operator on the field "v" of
// the payload.
func operatorPattern(operator string) string { return `{"data":{"v":[` + operator + `]}}` }

func TestPatternOperators(t *testing.T) {
	for _, c := range operatorCases {
		t.Run(fmt.Sprintf("%s on %#v", c.operator, c.value), func(t *testing.T) {
			p, err := match.ParsePattern([]byte(operatorPattern(c.operator)))
			require.NoError(t, err)
			e := patternEvent()
			e.Data = map[string]any{"v": c.value}
			assert.Equal(t, c.match, p.Match(&e))
		})
	}
}

func TestPatternMatch(t *testing.T) {
	e := patternEvent()
	for _, c := range patternCases {
		t.Run(c.pattern, func(t *testing.T) {
			p, err := match.ParsePattern([]byte(c.pattern))
			require.NoError(t, err)
			assert.Equal(t, c.match, p.Match(&e))
		})
	}
}

// TestPatternMatchesJSON checks a pattern sees the same payload whether it
// is a map, JSON bytes or a struct.
func TestPatternMatchesJSON(t *testing.T) {
	type author struct {
		Name string `json:"name"`
	}
	type payload struct {
		Text   string   `json:"text"`
		Likes  int      `json:"likes"`
		Tags   []string `json:"tags"`
		Author author   `json:"author"`
		Hidden string   `json:"-"`
	}
	p, err := match.ParsePattern([]byte(`{"data":{"likes":[{"numeric":[">",2]}],"tags":["casual"],"author":{"name":["Jane"]},"Hidden":[{"exists":false}]}}`))
	require.NoError(t, err)
	value := payload{Text: "hey", Likes: 3, Tags: []string{"greeting", "casual"}, Author: author{"Jane"}, Hidden: "x"}
	raw, err := json.Marshal(value)
	require.NoError(t, err)
	for _, data := range []any{value, &value, json.RawMessage(raw), raw} {
		e := patternEvent()
		e.Data = data
		assert.True(t, p.Match(&e), "%T", data)
	}
	e := patternEvent()
	e.Data = nil
	assert.False(t, p.Match(&e), "no payload")
	e.Data = json.RawMessage(`not json`)
	assert.False(t, p.Match(&e), "a payload that does not decode")
}

func TestPatternDefaults(t *testing.T) {
	anonymous := herald.Event{Aggregate: herald.AggregateRef{Context: "c", Name: "a"}, Name: "n"}
	for pattern, want := range map[string]bool{
		`{"user":[null]}`:                                  true,
		`{"user":{"id":[{"exists":false}]}}`:               true,
		`{"type":["domain"]}`:                              true,
		`{"metadata":{"labels":[{"exists":false}]}}`:       true,
		`{"metadata":{"isAuthorized":[{"exists":false}]}}`: true,
		`{"metadata":{"isAuthorized":{"owner":[""]}}}`:     false,
		`{"data":[null]}`:                                  true,
		`{"metadata":{"position":[0]}}`:                    true,
	} {
		p, err := match.ParsePattern([]byte(pattern))
		require.NoError(t, err, pattern)
		assert.Equal(t, want, p.Match(&anonymous), pattern)
	}
	var none *match.Pattern
	assert.True(t, none.Match(&anonymous), "a nil pattern matches everything")
}

// invalidPatterns are malformed patterns and the field their error names.
var invalidPatterns = []struct{ pattern, field string }{
	{``, ""},
	{`{"name":`, ""},
	{`[]`, ""},
	{`"name"`, ""},
	{`{} {}`, ""},
	{`{"name":["a"],"name":["b"]}`, ""},
	{`{"name":"sent"}`, "name"},
	{`{"name":3}`, "name"},
	{`{"name":[]}`, "name"},
	{`{"name":[["sent"]]}`, "name"},
	{`{"name":[{}]}`, "name"},
	{`{"name":[{"prefix":"a","suffix":"b"}]}`, "name"},
	{`{"name":[{"regex":"s.*"}]}`, "name"},
	{`{"name":[{"prefix":1}]}`, "name.prefix"},
	{`{"name":[{"prefix":{"equals-ignore-case":1}}]}`, "name.prefix.equals-ignore-case"},
	{`{"name":[{"suffix":["a"]}]}`, "name.suffix"},
	{`{"name":[{"equals-ignore-case":true}]}`, "name.equals-ignore-case"},
	{`{"name":[{"wildcard":null}]}`, "name.wildcard"},
	{`{"name":[{"anything-but":[]}]}`, "name.anything-but"},
	{`{"name":[{"anything-but":[true]}]}`, "name.anything-but"},
	{`{"name":[{"anything-but":{"numeric":[">",1]}}]}`, "name.anything-but"},
	{`{"name":[{"anything-but":null}]}`, "name.anything-but"},
	{`{"name":[{"anything-but":{"prefix":[]}}]}`, "name.anything-but.prefix"},
	{`{"name":[{"anything-but":{"prefix":["a",1]}}]}`, "name.anything-but.prefix"},
	{`{"name":[{"anything-but":{"suffix":[{"equals-ignore-case":"a"}]}}]}`, "name.anything-but.suffix"},
	{`{"name":[{"anything-but":{"wildcard":[null]}}]}`, "name.anything-but.wildcard"},
	{`{"name":[{"anything-but":{"equals-ignore-case":[["a"]]}}]}`, "name.anything-but.equals-ignore-case"},
	{`{"name":[{"anything-but":{"equals-ignore-case":[]}}]}`, "name.anything-but.equals-ignore-case"},
	{`{"name":[{"anything-but":{"prefix":{"equals-ignore-case":["a"]}}}]}`, "name.anything-but.prefix.equals-ignore-case"},
	{`{"name":[{"anything-but":{"cidr":"10.0.0.0/8"}}]}`, "name.anything-but"},
	{`{"name":[{"anything-but":{"prefix":["a"],"suffix":["b"]}}]}`, "name.anything-but"},
	{`{"data":{"ip":[{"cidr":"10.0.0.0"}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":"10.0.0.0/33"}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":"2001:db8::/129"}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":"010.0.0.0/8"}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":"fe80::/10%eth0"}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":"10.0.0.0/-1"}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":"nope"}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":""}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":24}]}}`, "data.ip.cidr"},
	{`{"data":{"ip":[{"cidr":["10.0.0.0/8"]}]}}`, "data.ip.cidr"},
	{`{"$or":[{"name":["a"]},{"data":{"ip":[{"cidr":"10.0.0.0/8/8"}]}}]}`, "$or[1].data.ip.cidr"},
	{`{"metadata":{"revision":[{"numeric":[]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":[">"]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":[">","1"]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":[1,">"]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":["~",1]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":[">",1,">",2]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":["<",1,"<=",2]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":["=",1,"<",2]}]}}`, "metadata.revision.numeric"},
	{`{"metadata":{"revision":[{"numeric":3}]}}`, "metadata.revision.numeric"},
	{`{"data":{"x":[{"exists":"yes"}]}}`, "data.x.exists"},
	{`{"$or":[]}`, "$or"},
	{`{"$or":{"name":["a"]}}`, "$or"},
	{`{"$or":[["a"]]}`, "$or[0]"},
	{`{"$or":[{"name":["a"]},{"name":[]}]}`, "$or[1].name"},
	{`{"metadata":{"$or":[{"nope":["a"]}]}}`, "metadata.$or[0].nope"},
	{`{"aggregate":{"kind":["order"]}}`, "aggregate.kind"},
	{`{"nope":["a"]}`, "nope"},
	{`{"nope":{"deeper":["a"]}}`, "nope"},
	{`{"name":{"deeper":["a"]}}`, "name.deeper"},
	{`{"metadata":{"labels":{"a":{"b":["c"]}}}}`, "metadata.labels.a.b"},
	{`{"metadata.revision":[3]}`, "metadata.revision"},
	{`{"metadata.isAuthorized":{"owner":["jane"]}}`, "metadata.isAuthorized"},
	{`{"metadata":{"isAuthorized.owner":["jane"]}}`, "metadata.isAuthorized.owner"},
	{`{"metadata":{"labels":{"":["x"]}}}`, "metadata.labels."},
	{`{"":["x"]}`, ""},
}

func TestParsePatternInvalid(t *testing.T) {
	for _, c := range invalidPatterns {
		t.Run(c.pattern, func(t *testing.T) {
			p, err := match.ParsePattern([]byte(c.pattern))
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			var perr *match.PatternError
			require.True(t, errors.As(err, &perr))
			assert.Equal(t, c.field, perr.Field)
			assert.Contains(t, err.Error(), "match: pattern: ")
			prefixtest.Check(t, err, "match", herald.ErrInvalid)
		})
	}
}

// A pattern with a huge bad key or value gets an error that quotes a short
// prefix of it, on one line; PatternError.Field keeps the whole path.
func TestParsePatternQuotesShortPrefix(t *testing.T) {
	huge := strings.Repeat(`9\n`, 300_000) // 900 KB of JSON, a newline every other byte decoded
	for pattern, field := range map[string]string{
		`{"name":[{"` + huge + `":1}]}`:                              "name",
		`{"` + huge + `":["a"]}`:                                     strings.ReplaceAll(huge, `\n`, "\n"),
		`{"name":["a"],"` + huge + `":1,"` + huge + `":2}`:           "",
		`{"data":{"n":[1` + strings.Repeat("0", 900_000) + `]}}`:     "",
		`{"metadata":{"revision":[{"numeric":["` + huge + `",1]}]}}`: "metadata.revision.numeric",
	} {
		_, err := match.ParsePattern([]byte(pattern))
		require.ErrorIs(t, err, herald.ErrInvalid)
		assert.Less(t, len(err.Error()), 512, "the error quotes a short prefix: %.200s", err)
		assert.NotContains(t, err.Error(), "\n", "the error is one line")
		var perr *match.PatternError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, field, perr.Field)
	}
}

// Lists and objects nest in a pattern as deep as encoding/json lets them,
// and a deeper pattern is refused, however deep, without exhausting the
// stack.
func TestParsePatternDepth(t *testing.T) {
	nested := func(n int) []byte { // n-1 objects and a list
		return []byte(`{"data":` + strings.Repeat(`{"a":`, n-3) + `{"b":[1]}` + strings.Repeat("}", n-2))
	}
	for _, n := range []int{10000, 10001} {
		assert.Equal(t, n == 10000, json.Valid(nested(n)), "encoding/json's depth")
	}
	p, err := match.ParsePattern(nested(10000))
	require.NoError(t, err)
	e := patternEvent()
	assert.False(t, p.Match(&e))
	_, err = match.ParsePattern(nested(10001))
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "nested more than 10000 deep")
	_, err = match.ParsePattern([]byte(`{"data":{"a":` + strings.Repeat("[", 10_000_000) + `}}`))
	assert.ErrorContains(t, err, "nested more than 10000 deep")
}

func TestPatternString(t *testing.T) {
	p, err := match.ParsePattern([]byte(" {\"name\" : [ \"sent\" ] }\n"))
	require.NoError(t, err)
	assert.Equal(t, `{"name":["sent"]}`, p.String())
	var none *match.Pattern
	assert.Equal(t, "", none.String())
}

// FuzzParsePattern checks that no input makes ParsePattern or Match panic,
// that what ParsePattern refuses matches ErrInvalid with a short one-line
// message, that the pattern's String parses to a pattern that matches the
// same events, and that a payload matches the same as a map and as JSON.
func FuzzParsePattern(f *testing.F) {
	for _, c := range patternCases {
		f.Add(c.pattern)
	}
	for _, c := range invalidPatterns {
		f.Add(c.pattern)
	}
	for _, c := range operatorCases {
		f.Add(operatorPattern(c.operator))
	}
	long := strings.Repeat(`\n\"x`, 200) // a key of 600 bytes, with a newline and quotes
	for _, pattern := range []string{
		`{"name":[{"` + long + `":1}]}`, `{"` + long + `":["a"]}`, `{"data":{"` + long + `":[1]}}`,
		`{"name":["a"],"` + long + `":1,"` + long + `":2}`, `{"data":{"n":[1e999]}}`, `{"data":{"n":[-1` + strings.Repeat("0", 400) + `]}}`,
		`{"metadata":{"revision":[{"numeric":["` + long + `",1]}]}}`, `{"metadata":{"revision":[{"numeric":["` + long + `","1"]}]}}`,
		`{"name":[{"anything-but":{"` + long + `":"a"}}]}`, `{"metadata":{"labels":{"` + long + `":["a"]}}}`,
		`{"data":{"ip":[{"cidr":"` + long + `"}]}}`, `{"name":[{"anything-but":{"prefix":["a",` + strings.Repeat("[", 300) + `]}}]}`,
		`{"data":{"` + strings.Repeat(`a":{"`, 100) + `z":[1]` + strings.Repeat("}", 101) + `}`,
		`{"data":{"tags":["greeting"],"likes":[3],"author":{"roles":{"name":["admin"]}}}}`,
		`{"data":{"reply":[null],"pinned":[false],"ratio":[{"numeric":[">",0.4,"<",0.6]}]}}`,
		`{"data":{"a":{"b":[{"exists":false}]},"c":[{"wildcard":"*d*"}]}}`,
		`{"name":[{"wildcard":"s\\*e\\\\*"}]}`, `{"$or":[{"data":{"x":[{"exists":true}]}},{"name":["sent"]}]}`,
	} {
		f.Add(pattern)
	}
	var events []herald.Event
	for _, data := range []any{
		patternEvent().Data, map[string]any{"a": []any{1, map[string]any{"b": nil}}, "c": "d"},
		[]any{map[string]any{"n": -0.0}, 2}, "text", nil,
	} {
		e := patternEvent()
		e.Data = data
		b, err := json.Marshal(data)
		require.NoError(f, err)
		raw := patternEvent()
		raw.Data = json.RawMessage(b)
		events = append(events, e, raw)
	}
	events = append(events, herald.Event{})
	f.Fuzz(func(t *testing.T, pattern string) {
		p, err := match.ParsePattern([]byte(pattern))
		if err != nil {
			assertRefused(t, err)
			return
		}
		again, err := match.ParsePattern([]byte(p.String()))
		if err != nil {
			t.Fatalf("the pattern's String %s does not parse: %v", p, err)
		}
		for i := range events {
			got := p.Match(&events[i])
			if again.Match(&events[i]) != got {
				t.Fatalf("%s and its String match event %d differently", pattern, i)
			}
			if i%2 == 1 && p.Match(&events[i-1]) != got {
				t.Fatalf("%s matches event %d's payload as a map and as JSON differently", pattern, i)
			}
		}
	})
}

// BenchmarkPatternMatch matches a five-field pattern (prefix,
// anything-but, numeric, a label's prefix, the type) against events half
// of which match it, and a pattern on the payload against a map, JSON
// bytes and a struct.
func BenchmarkPatternMatch(b *testing.B) {
	envelope := `{"context":{"name":[{"prefix":"comm"}]},"name":[{"anything-but":["deleted"]}],` +
		`"metadata":{"revision":[{"numeric":[">",0,"<=",1000]}],"labels":{"region":[{"prefix":"eu-"}]}},"type":["domain"]}`
	data := `{"name":["sent"],"data":{"likes":[{"numeric":[">",2]}],"author":{"name":["Jane"]}}}`
	type author struct {
		Name string `json:"name"`
	}
	type payload struct {
		Likes  int    `json:"likes"`
		Author author `json:"author"`
	}
	for _, c := range []struct {
		name, pattern string
		data          any
	}{
		{"Envelope", envelope, nil},
		{"DataMap", data, map[string]any{"likes": 3, "author": map[string]any{"name": "Jane"}}},
		{"DataJSON", data, json.RawMessage(`{"likes":3,"author":{"name":"Jane"}}`)},
		{"DataStruct", data, payload{Likes: 3, Author: author{"Jane"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			p, err := match.ParsePattern([]byte(c.pattern))
			if err != nil {
				b.Fatal(err)
			}
			events := make([]herald.Event, 2)
			for i := range events {
				events[i] = patternEvent()
				events[i].Data = c.data
			}
			events[1].Metadata.Labels = map[string]string{"region": "us-east-1"}
			events[1].Name = "deleted"
			matched := 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if p.Match(&events[i&1]) {
					matched++
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "matches/s")
			if matched == 0 {
				b.Fatal("nothing matched")
			}
		})
	}
}
