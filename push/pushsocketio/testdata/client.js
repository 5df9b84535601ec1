// A socket.io client for the tests, with the official socket.io-client:
// it connects to process.argv[2] (a URL with the tenant's namespace and
// the query), with the auth token of HERALD_TOKEN and the transports of
// HERALD_TRANSPORTS (comma-separated; socket.io's default when empty),
// and prints one JSON line for each thing that happens:
//   {"connected": true}
//   {"event": "communication.message:sent", "data": {...}, "position": 3}
//   {"connectError": {"message": "...", "data": {...}}}
//   {"disconnected": "transport close"}
// It disconnects and exits when its standard input ends or says "close".
"use strict";
const { io } = require("socket.io-client");

const print = (v) => process.stdout.write(JSON.stringify(v) + "\n");
const options = { reconnection: false };
if (process.env.HERALD_TOKEN) options.auth = { token: process.env.HERALD_TOKEN };
if (process.env.HERALD_TRANSPORTS) options.transports = process.env.HERALD_TRANSPORTS.split(",");

const socket = io(process.argv[2], options);
socket.on("connect", () => print({ connected: true }));
socket.on("connect_error", (err) => print({ connectError: { message: err.message, data: err.data } }));
socket.on("disconnect", (reason) => print({ disconnected: reason }));
socket.onAny((event, data, position) => print({ event, data, position }));

const end = () => { socket.disconnect(); process.exit(0); };
process.stdin.on("data", (chunk) => { if (String(chunk).includes("close")) end(); });
process.stdin.on("end", end);
