package pgstore_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/pgstore"
)

// The benchmarks run against the server of the tests, in fresh schemas.
// Each store benchmark has a limit benchmark beside it: raw pgx doing the
// same work on the same table (the store's events table, in a schema of
// its own), so one run gives the fraction of the limit the store reaches.

// benchSent is the data of the benchmarks' events: with the envelope,
// about 500 bytes an event.
type benchSent struct {
	Text   string `json:"text"`
	Room   string `json:"room"`
	Sender string `json:"sender"`
}

var (
	benchData   = benchSent{Text: strings.Repeat("hey, how are you? ", 20), Room: "lobby", Sender: "jane.doe@example.com"}
	benchUser   = &herald.User{ID: "jane.doe@example.com"}
	benchAuth   = &herald.Authorization{Owner: "jane.doe@example.com", ForAuthenticated: true}
	benchLabels = map[string]string{"program": "support"}
)

func benchEvent(ref herald.AggregateRef, now time.Time) herald.Event {
	id := uuid.Must(uuid.NewV7())
	return herald.Event{
		Aggregate: ref, Name: "sent", ID: id, Type: herald.TypeDomain, Data: benchData, User: benchUser,
		Metadata: herald.Metadata{Timestamp: now, CausationID: id, CorrelationID: id, Labels: benchLabels, Authorization: benchAuth},
	}
}

func benchRef() herald.AggregateRef {
	return herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
}

func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// limitTable returns a fresh store's events table, empty, for the raw pgx
// benchmarks, and a connection.
func limitTable(b *testing.B) (*pgx.Conn, pgx.Identifier) {
	s := openStore(b)
	conn, err := pgx.Connect(context.Background(), dsn())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	return conn, pgx.Identifier{s.Schema(), "events"}
}

var limitColumns = []string{"position", "id", "context", "aggregate", "aggregate_id", "revision", "name", "type", "user_id",
	"timestamp_ns", "causation_id", "correlation_id", "labels", "owner", "access", "data"}

// limitRow is the row of e as a raw program writes it.
func limitRow(e herald.Event, data, labels []byte, position, revision int64) []any {
	return []any{position, [16]byte(e.ID), e.Aggregate.Context, e.Aggregate.Name, [16]byte(e.Aggregate.ID), revision,
		e.Name, e.Type, e.User.ID, e.Metadata.Timestamp.UnixNano(), [16]byte(e.ID), [16]byte(e.ID), labels,
		e.Metadata.Authorization.Owner, int16(1), data}
}

func mustJSON(b *testing.B, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return j
}

// BenchmarkPgAppendBatch1000 appends batches of 1,000 events of one
// aggregate each.
func BenchmarkPgAppendBatch1000(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	now := time.Now()
	batch := make([]herald.Event, 1000)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		ref := benchRef()
		for i := range batch {
			batch[i] = benchEvent(ref, now)
		}
		if err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
		n += len(batch)
	}
	reportRate(b, n)
}

// BenchmarkPgLimitCopy1000 is the limit of BenchmarkPgAppendBatch1000:
// one transaction of one COPY of 1,000 rows each.
func BenchmarkPgLimitCopy1000(b *testing.B) {
	conn, table := limitTable(b)
	ctx := context.Background()
	now := time.Now()
	labels := mustJSON(b, benchLabels)
	rows := make([][]any, 1000)
	position := int64(0)
	n := 0
	for b.Loop() {
		ref := benchRef()
		for i := range rows {
			e := benchEvent(ref, now)
			position++
			rows[i] = limitRow(e, mustJSON(b, e.Data), labels, position, int64(i+1))
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, table, limitColumns, pgx.CopyFromRows(rows))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		n += len(rows)
	}
	reportRate(b, n)
}

// BenchmarkPgAppendSingle appends one event at a time.
func BenchmarkPgAppendSingle(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	ref := benchRef()
	now := time.Now()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := s.Append(ctx, []herald.Event{benchEvent(ref, now)}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	reportRate(b, n)
}

// BenchmarkPgLimitInsertSingle is the limit of BenchmarkPgAppendSingle:
// one INSERT of one row, committed on its own.
func BenchmarkPgLimitInsertSingle(b *testing.B) {
	conn, table := limitTable(b)
	ctx := context.Background()
	ref := benchRef()
	now := time.Now()
	labels := mustJSON(b, benchLabels)
	sql := "INSERT INTO " + table.Sanitize() + " (" + strings.Join(limitColumns, ", ") +
		") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
	n := 0
	for b.Loop() {
		e := benchEvent(ref, now)
		n++
		if _, err := conn.Exec(ctx, sql, limitRow(e, mustJSON(b, e.Data), labels, int64(n), int64(n))...); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, n)
}

// BenchmarkPgAppendConcurrent64 appends single events from 64 goroutines,
// each of its own aggregate; the store commits them in groups.
func BenchmarkPgAppendConcurrent64(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	now := time.Now()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(b.N))
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref := benchRef()
			for left.Add(-1) >= 0 {
				if err := s.Append(ctx, []herald.Event{benchEvent(ref, now)}); err != nil {
					b.Error(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	reportRate(b, int(n.Load()))
}

// replayEvents is the size of the log the replay benchmarks read.
const replayEvents = 1_000_000

// replayLog is a schema with replayEvents events, made once per test
// binary and dropped by TestMain.
var replayLog struct {
	once   sync.Once
	schema string
	err    error
}

func replaySchema(b *testing.B) string {
	replayLog.once.Do(func() {
		needServer(b)
		replayLog.schema = "herald_bench_replay_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
		s, err := pgstore.Open(context.Background(), dsn(), pgstore.WithSchema(replayLog.schema))
		if err != nil {
			replayLog.err = err
			return
		}
		defer s.Close()
		now := time.Now()
		batch := make([]herald.Event, 5000)
		for n := 0; n < replayEvents; n += len(batch) {
			ref := benchRef()
			for i := range batch {
				batch[i] = benchEvent(ref, now)
			}
			if replayLog.err = s.Append(context.Background(), batch); replayLog.err != nil {
				return
			}
		}
		_, replayLog.err = s.Pool().Exec(context.Background(), "VACUUM ANALYZE "+pgx.Identifier{replayLog.schema, "events"}.Sanitize())
	})
	if replayLog.err != nil {
		b.Fatal(replayLog.err)
	}
	return replayLog.schema
}

// BenchmarkPgReplay reads the whole log, the envelope decoded and the
// data left as JSON bytes.
func BenchmarkPgReplay(b *testing.B) {
	benchmarkReplay(b, nil, func(e herald.Event) bool {
		_, ok := e.Data.(json.RawMessage)
		return ok
	})
}

// BenchmarkPgReplayDecoded reads the whole log with the data decoded into
// its Go type through a registry (boltstore's BenchmarkBoltReplayLarge
// does the same on a log of the same events).
func BenchmarkPgReplayDecoded(b *testing.B) {
	reg, err := herald.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := herald.Define[benchSent](reg, "communication", "message", "sent"); err != nil {
		b.Fatal(err)
	}
	benchmarkReplay(b, pgstore.WithRegistry(reg), func(e herald.Event) bool {
		_, ok := e.Data.(benchSent)
		return ok
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if replayLog.schema != "" {
		dropSchema(replayLog.schema)
	}
	os.Exit(code)
}

func benchmarkReplay(b *testing.B, opt pgstore.Option, check func(herald.Event) bool) {
	schema := replaySchema(b)
	s, err := pgstore.Open(context.Background(), dsn(), pgstore.WithSchema(schema), opt)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		read := 0
		for e, err := range s.ReadLog(ctx, 0) {
			if err != nil {
				b.Fatal(err)
			}
			if read == 0 && !check(e) {
				b.Fatalf("data is %T", e.Data)
			}
			read++
		}
		if read != replayEvents {
			b.Fatalf("read %d events, want %d", read, replayEvents)
		}
		n += read
	}
	reportRate(b, n)
}

// BenchmarkPgLimitRead is the limit of BenchmarkPgReplay: one query of
// every row in position order, each row's values taken as they come.
func BenchmarkPgLimitRead(b *testing.B) {
	schema := replaySchema(b)
	conn, err := pgx.Connect(context.Background(), dsn())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	sql := "SELECT " + strings.Join(limitColumns, ", ") + " FROM " + pgx.Identifier{schema, "events"}.Sanitize() + " ORDER BY position"
	ctx := context.Background()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			b.Fatal(err)
		}
		read := 0
		for rows.Next() {
			_ = rows.RawValues()
			read++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		if read != replayEvents {
			b.Fatalf("read %d rows, want %d", read, replayEvents)
		}
		n += read
	}
	reportRate(b, n)
}
