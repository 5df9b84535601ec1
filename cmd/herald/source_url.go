package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// urlSource is a source over the HTTP API of a running application
// (package httpapi).
type urlSource struct {
	base             *url.URL
	token            string
	client, follower *http.Client
	stderr           io.Writer // for what the command does unasked, such as connecting again
}

func newURLSource(raw, token string, stderr io.Writer) (*urlSource, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want an absolute http or https URL", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = responseTimeout
	return &urlSource{base: u, token: token, client: &http.Client{Transport: transport}, follower: &http.Client{}, stderr: stderr}, nil
}

// responseTimeout is how long a request waits for the application to
// begin its answer; a stream's body may take as long as it lasts, and a
// followed stream (follower) may begin when its first event comes.
const responseTimeout = 30 * time.Second

func (s *urlSource) close() error {
	s.client.CloseIdleConnections()
	s.follower.CloseIdleConnections()
	return nil
}

// do sends a request to path (with query values q) and returns the
// response of a 2xx status; another status is an error with the problem
// document's title and detail.
func (s *urlSource) do(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Response, error) {
	u := *s.base
	u.Path += path
	u.RawQuery = q.Encode()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/x-ndjson")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	client := s.client
	if q.Get("follow") == "true" {
		client = s.follower
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, problemError(method, u.Path, resp)
	}
	return resp, nil
}

// httpError is an answer of another status than 2xx.
type httpError struct {
	Status        int
	Title, Detail string
	Field         string // the parameter or field at fault, when the problem names one
}

func (e *httpError) Error() string {
	msg := fmt.Sprintf("HTTP %d", e.Status)
	for _, s := range []string{e.Title, e.Detail} {
		if s != "" {
			msg += ": " + s
		}
	}
	if e.Field != "" {
		msg += fmt.Sprintf(" (field %q)", e.Field)
	}
	if hint := statusHints[e.Status]; hint != "" {
		msg += "; " + hint
	}
	return msg
}

// statusHints say what to do about the statuses a user can mend.
var statusHints = map[int]string{
	http.StatusUnauthorized: "the application refused the token: give the right one with --token or HERALD_TOKEN",
	http.StatusForbidden:    "the token's user lacks the role this needs",
}

// problemError reads the problem document (RFC 9457) of a failed request.
func problemError(method, path string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &httpError{Status: resp.StatusCode}
	var p struct{ Title, Detail, Field string }
	if json.Unmarshal(b, &p) == nil && (p.Title != "" || p.Detail != "") {
		e.Title, e.Detail, e.Field = p.Title, p.Detail, p.Field
	} else {
		e.Title = http.StatusText(resp.StatusCode)
	}
	return fmt.Errorf("%s %s: %w", method, path, e)
}

// getJSON decodes the JSON answer of a GET into v.
func (s *urlSource) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	resp, err := s.do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: the answer does not decode: %w", path, err)
	}
	return nil
}

func (s *urlSource) query(ctx context.Context, q herald.Query) (herald.Page, error) {
	var answer struct {
		Results []herald.Event `json:"results"`
		Page    struct {
			Next string `json:"next"`
		} `json:"page"`
	}
	if err := s.getJSON(ctx, "/events", queryValues(q), &answer); err != nil {
		return herald.Page{}, err
	}
	return herald.Page{Events: answer.Results, Cursor: answer.Page.Next}, nil
}

// queryValues are the parameters of GET /events for q.
func queryValues(q herald.Query) url.Values {
	v := url.Values{}
	if q.Top != 0 {
		v.Set("top", strconv.Itoa(q.Top))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	for _, n := range q.Names {
		v.Add("name", n)
	}
	if q.CorrelationID != uuid.Nil {
		v.Set("correlationId", q.CorrelationID.String())
	}
	for _, k := range sortedKeys(q.Labels) {
		v.Add("label", k+":"+q.Labels[k])
	}
	if !q.Since.IsZero() {
		v.Set("timestampMin", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("timestampMax", q.Until.Format(time.RFC3339Nano))
	}
	// The API answers newest first unless told otherwise.
	order := "asc"
	if q.Newest {
		order = "desc"
	}
	v.Set("order", order)
	return v
}

func (s *urlSource) stats(ctx context.Context) (herald.Stats, error) {
	var st herald.Stats
	var answer struct {
		Events *uint64           `json:"events"`
		Head   *uint64           `json:"head"`
		Counts map[string]uint64 `json:"counts"`
	}
	if err := s.getJSON(ctx, "/events/stats", nil, &answer); err != nil {
		return st, err
	}
	if answer.Events == nil || answer.Head == nil {
		return st, fmt.Errorf("GET /events/stats: the answer lacks events or head")
	}
	return herald.Stats{Events: *answer.Events, Head: *answer.Head, Counts: answer.Counts}, nil
}

// head is the position tail begins after: the head of the log when the
// caller may read the stats, else the position of the newest event the
// caller may see, which is as good for them: the application shows them
// none of the events after it.
func (s *urlSource) head(ctx context.Context) (uint64, error) {
	st, err := s.stats(ctx)
	var he *httpError
	if !errors.As(err, &he) || (he.Status != http.StatusUnauthorized && he.Status != http.StatusForbidden) {
		return st.Head, err
	}
	q := herald.Query{Top: 1, Newest: true}
	for {
		page, err := s.query(ctx, q)
		switch {
		case err != nil:
			return 0, err
		case len(page.Events) > 0:
			return page.Events[0].Metadata.Position, nil
		case page.Cursor == "":
			return 0, nil
		}
		q.Cursor = page.Cursor
	}
}

// readLog reads the NDJSON stream of GET /events/log. Following it, the
// stream lasts until ctx ends: when the application ends it (a restart),
// readLog says so on stderr and connects again after the last event it
// had, for up to reconnectPatience.
func (s *urlSource) readLog(ctx context.Context, after uint64, names []string, follow bool, fn func(*herald.Event) error) error {
	if !follow {
		return s.readStream(ctx, &after, names, false, fn)
	}
	var lost time.Time // when the stream was lost, zero while it runs
	for {
		err := s.readStream(ctx, &after, names, true, func(e *herald.Event) error {
			if !lost.IsZero() {
				lost = time.Time{}
				fmt.Fprintln(s.stderr, "connected again")
			}
			return fn(e)
		})
		var fe *handlerError
		var he *httpError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &fe):
			return fe.err
		case errors.As(err, &he): // an answer, not a lost connection
			return err
		case lost.IsZero():
			lost = time.Now()
			fmt.Fprintf(s.stderr, "the stream ended (%v); connecting again after position %d\n", err, after)
		case time.Since(lost) > reconnectPatience:
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(reconnectPause):
		}
	}
}

// How long and how often readLog tries to connect again.
const (
	reconnectPatience = time.Minute
	reconnectPause    = time.Second
)

// handlerError is an error of the function that readStream hands the
// events to, which ends a followed stream for good.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }

// readStream reads GET /events/log once, from *after on, and moves *after
// to each event it hands to fn.
func (s *urlSource) readStream(ctx context.Context, after *uint64, names []string, follow bool, fn func(*herald.Event) error) error {
	q := url.Values{"after": {strconv.FormatUint(*after, 10)}}
	for _, n := range names {
		q.Add("name", n)
	}
	if follow {
		q.Set("follow", "true")
	}
	resp, err := s.do(ctx, http.MethodGet, "/events/log", q, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	err = readNDJSON(resp.Body, func(line int, e *herald.Event) error {
		if err := fn(e); err != nil {
			return &handlerError{err: err}
		}
		*after = e.Metadata.Position
		return nil
	})
	switch {
	case err != nil:
		return fmt.Errorf("GET /events/log: %w", err)
	case follow:
		return fmt.Errorf("GET /events/log: the application ended the stream")
	}
	return nil
}

// appendBatch posts the batch; when the application refuses it as a
// conflict (409), which is what a batch stored in part gets, it posts the
// events one at a time, as the store path does: the application
// acknowledges each one stored already. It does not learn which were, so
// it reports none skipped.
func (s *urlSource) appendBatch(ctx context.Context, events []herald.Event) (int, error) {
	err := s.post(ctx, events)
	var he *httpError
	if len(events) == 1 || !errors.As(err, &he) || he.Status != http.StatusConflict {
		return 0, err
	}
	for i := range events {
		if err := s.post(ctx, events[i:i+1]); err != nil {
			return 0, &partialError{why: "the application refused it as a conflict, as it does a batch stored in part", stored: i, err: err}
		}
	}
	return 0, nil
}

// post sends events to POST /events, one atomic batch.
func (s *urlSource) post(ctx context.Context, events []herald.Event) error {
	body, err := json.Marshal(events)
	if err != nil {
		return err
	}
	resp, err := s.do(ctx, http.MethodPost, "/events", nil, body)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

func (s *urlSource) consumers(ctx context.Context, names []string) ([]consumerStatus, error) {
	var answer struct {
		Consumers []consumerStatus `json:"consumers"`
	}
	if err := s.getJSON(ctx, "/consumers", nil, &answer); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return answer.Consumers, nil
	}
	var picked []consumerStatus
	for _, n := range names {
		i := slices.IndexFunc(answer.Consumers, func(c consumerStatus) bool { return c.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("the application has no consumer named %q", n)
		}
		picked = append(picked, answer.Consumers[i])
	}
	return picked, nil
}

func (s *urlSource) deadLetters(ctx context.Context, consumer string) ([]herald.DeadLetter, error) {
	var answer struct {
		DeadLetters []struct {
			Consumer string `json:"consumer"`
			deadLetterJSON
		} `json:"deadLetters"`
	}
	if err := s.getJSON(ctx, "/consumers/"+url.PathEscape(consumer)+"/dead-letters", nil, &answer); err != nil {
		return nil, err
	}
	all := make([]herald.DeadLetter, len(answer.DeadLetters))
	for i, w := range answer.DeadLetters {
		all[i] = herald.DeadLetter{Subscription: cmp.Or(w.Consumer, consumer), Event: w.Event, Attempts: w.Attempts,
			Err: textError(w.Error), Parked: w.Parked, At: w.At}
	}
	return all, nil
}

// textError is an error known by its text only.
type textError string

func (e textError) Error() string { return string(e) }

func (s *urlSource) replay(ctx context.Context, consumer string, id uuid.UUID) error {
	return s.send(ctx, http.MethodPost, "/consumers/"+url.PathEscape(consumer)+"/dead-letters/"+id.String()+"/replay")
}

func (s *urlSource) discard(ctx context.Context, consumer string, id uuid.UUID) error {
	return s.send(ctx, http.MethodDelete, "/consumers/"+url.PathEscape(consumer)+"/dead-letters/"+id.String())
}

// send makes a request without a body whose answer is not read.
func (s *urlSource) send(ctx context.Context, method, path string) error {
	resp, err := s.do(ctx, method, path, nil, nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}
