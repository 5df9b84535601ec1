package pushtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/store/memstore"
)

// Patience is how long a test waits for something that should happen at
// once; it only bounds a test that fails.
const Patience = time.Minute

// The streams every Env registers.
const (
	// StreamAll sends the envelope of every event, to anyone.
	StreamAll = "all"
	// StreamMapped sends communication.message.sent as {"text": …} and
	// every other event of a message as its envelope, to anyone.
	StreamMapped = "mapped"
	// StreamMembers may be opened only with the role RoleMember.
	StreamMembers = "members"
)

// RoleMember is the role that opens StreamMembers; the authenticator
// grants it for the query parameter role=member.
const RoleMember = "member"

// TenantLabel is the label the tests put an event's tenant in.
const TenantLabel = "tenant"

// Sent is the data of communication.message.sent.
type Sent struct {
	Text string `json:"text"`
}

// Env is a publisher and a push server on one memstore and membus.
type Env struct {
	t         testing.TB
	Store     *memstore.Store
	Bus       *membus.Bus
	Publisher *herald.Publisher
	Server    *push.Server
}

// New returns an Env whose server has opts after the authenticator
// [SignIn], closed when the test ends.
func New(t testing.TB, opts ...push.Option) *Env {
	t.Helper()
	e := &Env{t: t}
	var err error
	if e.Store, err = memstore.New(); err != nil {
		t.Fatal(err)
	}
	if e.Bus, err = membus.New(); err != nil {
		t.Fatal(err)
	}
	if e.Publisher, err = herald.NewPublisher(e.Store, e.Bus); err != nil {
		t.Fatal(err)
	}
	opts = append([]push.Option{push.WithAuthenticator(SignIn)}, opts...)
	if e.Server, err = push.New(context.Background(), e.Store, e.Bus, opts...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Patience)
		defer cancel()
		if err := e.Server.Close(ctx); err != nil && !errors.Is(err, herald.ErrClosed) {
			t.Errorf("close the push server: %v", err)
		}
		_ = e.Bus.Close(ctx)
		_ = e.Store.Close()
	})
	err = e.Server.Register(
		push.Stream{ID: StreamAll, PublicSubscribe: true, Events: []push.StreamEvent{{Name: "*.*.*"}}},
		push.Stream{ID: StreamMapped, PublicSubscribe: true, Events: []push.StreamEvent{
			{Name: "communication.message.sent", Map: map[string]string{"text": "data.text"}},
			{Name: "communication.message.*"},
		}},
		push.Stream{ID: StreamMembers, SubscriberRoles: []string{RoleMember}, Events: []push.StreamEvent{{Name: "*.*.*"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// SignIn is the tests' authenticator: the query parameter user, else the
// bearer token of the Authorization header, names the user (none is
// anonymous), and role=member grants RoleMember.
func SignIn(r *http.Request) (*herald.User, []string, error) {
	q := r.URL.Query()
	var roles []string
	if q.Get("role") == RoleMember {
		roles = []string{RoleMember}
	}
	name := q.Get("user")
	if name == "" {
		name, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if name != "" {
		return &herald.User{ID: name}, roles, nil
	}
	return nil, roles, nil
}

// Message returns an event of a new message aggregate, public unless a
// is given, with labels when not nil.
func Message(name, text string, labels map[string]string, a ...herald.Authorization) herald.Event {
	auth := herald.Authorization{ForPublic: true}
	if len(a) > 0 {
		auth = a[0]
	}
	ev := herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
		Name:      name,
		Data:      Sent{Text: text},
	}
	ev.Metadata.Authorization = &auth
	ev.Metadata.Labels = labels
	return ev
}

// Publish publishes ev, as user when user is not empty, and returns it as
// stored.
func (e *Env) Publish(user string, ev herald.Event) herald.Event {
	e.t.Helper()
	ctx := context.Background()
	if user != "" {
		ctx = herald.ContextWithUser(ctx, herald.User{ID: user})
	}
	stored, err := e.Publisher.Publish(ctx, ev)
	if err != nil {
		e.t.Fatalf("publish %s: %v", ev.Name, err)
	}
	return stored
}

// Say publishes a public communication.message.sent with text.
func (e *Env) Say(text string) herald.Event {
	e.t.Helper()
	return e.Publish("", Message("sent", text, nil))
}

// Whisper publishes, as user, a communication.message.starred that only
// user may see.
func (e *Env) Whisper(user, text string) herald.Event {
	e.t.Helper()
	return e.Publish(user, Message("starred", text, nil, herald.Authorization{Owner: user}))
}

// Status returns the server's status.
func (e *Env) Status() push.Status {
	e.t.Helper()
	st, err := e.Server.Status(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// WaitClients waits until the server has n streams open.
func (e *Env) WaitClients(n int) {
	e.t.Helper()
	Eventually(e.t, func() bool { return e.Status().Clients == n }, "the server has the streams open")
}

// Eventually waits until cond holds, and fails t with what when it does
// not hold after Patience.
func Eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(Patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v: %s", Patience, what)
		}
		time.Sleep(time.Millisecond)
	}
}
