module github.com/herald-go/herald/push/pushws

go 1.24.0

require (
	github.com/coder/websocket v1.8.15
	github.com/google/uuid v1.6.0
	github.com/herald-go/herald v0.0.0
)

require github.com/cenkalti/backoff/v4 v4.3.0 // indirect

replace github.com/herald-go/herald => ../..
