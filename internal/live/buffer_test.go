package live_test

import (
	"testing"

	"github.com/herald-go/herald/internal/live"
	"github.com/stretchr/testify/assert"
)

func TestBuffer(t *testing.T) {
	b := live.NewBuffer[int](3)
	one, two := 1, 2
	b.Offer(&one)
	b.Offer(&two)
	assert.Len(t, b.Ready(), 1, "one token when it went from empty to not empty")
	got, overflow := b.Take(nil)
	assert.Equal(t, []int{1, 2}, got)
	assert.False(t, overflow)

	for i := range 5 {
		b.Offer(&i)
	}
	got, overflow = b.Take(got)
	assert.Empty(t, got, "nothing once it dropped some")
	assert.True(t, overflow)
	b.Offer(&one)
	_, overflow = b.Take(nil)
	assert.True(t, overflow, "until reset")

	b.Reset()
	b.Offer(&two)
	got, overflow = b.Take(nil)
	assert.Equal(t, []int{2}, got)
	assert.False(t, overflow)
}

func TestPokeMakesTheNextTakeAnOverflow(t *testing.T) {
	b := live.NewBuffer[int](4)
	v := 1
	b.Offer(&v)
	b.Poke()
	select {
	case <-b.Ready():
	default:
		t.Fatal("Poke does not make the buffer ready")
	}
	got, overflow := b.Take(nil)
	if !overflow || len(got) != 0 {
		t.Fatalf("Take after Poke = %v, %v; want nothing and an overflow", got, overflow)
	}
	b.Reset()
	b.Offer(&v)
	if got, overflow := b.Take(nil); overflow || len(got) != 1 {
		t.Fatalf("Take after Reset = %v, %v; want the item", got, overflow)
	}
}
