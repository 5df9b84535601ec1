// parse.js reads an AsyncAPI document from the file its argument names,
// parses and validates it with the official parser, and prints what the
// test checks as JSON: the errors and warnings the parser reports, and
// for each channel its address and the messages it carries.
const fs = require('fs');
const { Parser } = require('@asyncapi/parser');

async function main() {
  const text = fs.readFileSync(process.argv[2], 'utf8');
  const { document, diagnostics } = await new Parser().parse(text);
  const out = {
    errors: diagnostics.filter((d) => d.severity === 0).map(describe),
    warnings: diagnostics.filter((d) => d.severity === 1).map(describe),
    channels: {},
  };
  if (document) {
    for (const channel of document.channels()) {
      out.channels[channel.id()] = {
        address: channel.address(),
        operations: channel.operations().all().map((o) => o.action()),
        messages: channel.messages().all().map((m) => ({
          name: m.name(),
          description: m.description(),
          payloadType: m.payload() ? m.payload().type() : undefined,
          required: m.payload() ? m.payload().required() : undefined,
          examples: m.examples().all().map((e) => e.payload()),
          authorization: m.extensions().get('x-herald-authorization')?.value(),
        })),
      };
    }
  }
  console.log(JSON.stringify(out));
}

function describe(d) {
  return `${d.code}: ${d.message} at /${(d.path || []).join('/')}`;
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
