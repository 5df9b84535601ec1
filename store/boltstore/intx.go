package boltstore

import (
	"context"
	"fmt"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// ownTx returns the open transaction of the store's database that ctx
// carries (ContextWithTx), or nil.
func (s *Store) ownTx(ctx context.Context) *bolt.Tx {
	tx, ok := TxFrom(ctx)
	if !ok || tx.DB() != s.db {
		return nil
	}
	return tx
}

// errInsideTx is the error of a write that would wait for the commit of
// the transaction its own caller holds.
var errInsideTx = fmt.Errorf("the context holds an open transaction of the store's file (ContextWithTx), "+
	"and this write would wait for it to end: inside the transaction, publish with "+
	"PublishAfterCommit or PublishBatchAfterCommit, or append with AppendTx: %w", herald.ErrInvalid)

// refuseInsideTx returns errInsideTx when ctx carries an open transaction
// of the store's file: the committer's write transaction would wait for
// it, and its holder for the committer.
func (s *Store) refuseInsideTx(ctx context.Context) error {
	if s.ownTx(ctx) != nil {
		return errInsideTx
	}
	return nil
}

// inBuckets runs fn on the store's buckets in tx.
func inBuckets(tx *bolt.Tx, fn func(tx *bolt.Tx, b buckets) error) error {
	b, err := openBuckets(tx)
	if err != nil {
		return err
	}
	return fn(tx, b)
}

// recoverCorrupt, deferred, turns a panic of bbolt on a damaged page into
// an error matching ErrCorrupt in *err.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("bbolt panicked, the file may be damaged: %v: %w", r, ErrCorrupt)
	}
}
