package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/browser"
)

// stepTimeout bounds each step of the browser test: generous, as a cold
// Chromium under the race detector is slow, and never part of a check.
const stepTimeout = time.Minute

// TestChatInBrowser opens the chat's page as jane and as john in headless
// Chromium, with the stream as server-sent events and over WebSocket
// (?transport=websocket): a message jane sends appears in john's page, and
// jane's star, an event only its owner may receive, appears in jane's page
// and not in john's.
func TestChatInBrowser(t *testing.T) {
	chromium := browser.Find(t)
	for _, transport := range []string{"sse", "websocket"} {
		t.Run(transport, func(t *testing.T) { chatInBrowser(t, chromium, "&transport="+transport) })
	}
}

// chatInBrowser is TestChatInBrowser with the page's query ending in
// transport.
func chatInBrowser(t *testing.T, chromium, transport string) {
	base := startChat(t)

	whole, cancelWhole := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancelWhole)
	options := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		// Without a user data dir, chromedp makes a fresh temporary one
		// and removes it once the browser has exited.
	)
	allocator, cancelAllocator := chromedp.NewExecAllocator(whole, options...)
	t.Cleanup(cancelAllocator)
	jane, cancelJane := chromedp.NewContext(allocator)
	t.Cleanup(cancelJane)
	// The first Run starts the browser with jane's tab; john's is a
	// second tab of the same browser.
	require.NoError(t, chromedp.Run(jane, chromedp.Navigate(base+"/?user=jane"+transport)), "open jane's page")
	john, cancelJohn := chromedp.NewContext(jane)
	t.Cleanup(cancelJohn)
	require.NoError(t, chromedp.Run(john, chromedp.Navigate(base+"/?user=john"+transport)), "open john's page")

	step := func(tab context.Context, what string, actions ...chromedp.Action) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, stepTimeout)
		defer cancel()
		require.NoError(t, chromedp.Run(ctx, actions...), what)
	}
	poll := func(expression string) chromedp.Action {
		var ok bool
		return chromedp.Poll(expression, &ok, chromedp.WithPollingTimeout(stepTimeout))
	}
	const streamOpen = `document.getElementById("status").textContent === "open"`
	step(jane, "jane's stream opens", poll(streamOpen))
	step(john, "john's stream opens", poll(streamOpen))

	step(jane, "jane sends a message",
		chromedp.SendKeys("#text", "hello john", chromedp.ByQuery),
		chromedp.Click("#send", chromedp.ByQuery))
	var text, author string
	step(john, "jane's message appears in john's page",
		chromedp.WaitVisible("#messages li .text", chromedp.ByQuery),
		chromedp.Text("#messages li .text", &text, chromedp.ByQuery),
		chromedp.Text("#messages li .author", &author, chromedp.ByQuery))
	assert.Equal(t, "hello john", text)
	assert.Contains(t, author, "by jane")

	step(jane, "jane stars her message and sees the star",
		chromedp.WaitVisible("#messages li button.star", chromedp.ByQuery),
		chromedp.Click("#messages li button.star", chromedp.ByQuery),
		chromedp.WaitVisible("#messages li .star-mark", chromedp.ByQuery))

	// John likes the message after jane's star was stored: the stream
	// sends in log order, so once john's page has the like, it would
	// have had the star before it, had the star been sent to him.
	const oneLike = `document.querySelector("#messages li .likes").dataset.count === "1"`
	step(john, "john likes the message and sees the like",
		chromedp.Click("#messages li button.like", chromedp.ByQuery),
		poll(oneLike))
	step(jane, "jane sees john's like", poll(oneLike))

	count := func(tab context.Context, selector string) int {
		t.Helper()
		var n int
		step(tab, "count "+selector,
			chromedp.Evaluate(`document.querySelectorAll('`+selector+`').length`, &n))
		return n
	}
	const starred = `#events li[data-event="communication.message.starred"]`
	assert.Equal(t, 1, count(jane, starred), "jane receives her star")
	assert.Equal(t, 1, count(jane, "#messages li .star-mark"), "jane's page shows her star")
	assert.Equal(t, 0, count(john, starred), "john does not receive jane's star")
	assert.Equal(t, 0, count(john, "#messages li .star-mark"), "john's page shows no star")
	assert.Equal(t, 1, count(john, `#events li[data-event="communication.message.sent"]`))
	assert.Equal(t, 1, count(john, `#events li[data-event="communication.message.liked"]`))
}
