/**
 * The frame of every --report page: one HTML file with its CSS inline and no script, no font and
 * no image from anywhere, so a page opened from a CI artifact, mailed, or printed looks the same.
 */

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A whole page: `title` escaped here, `body` already HTML. */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chatcheck">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<footer>Written by chatcheck --report. A self-contained page: no scripts, no fonts, no images from elsewhere.</footer>
</body>
</html>
`;
}

/** Session colours, by lane (A, B, C): kept apart from the wait (amber) and error (red) colours. */
const LANE_COLOURS = ['#2563eb', '#7c3aed', '#0f766e'];

const STYLE = `
:root {
  --ink: #1e293b; --muted: #64748b; --rule: #cbd5e1; --paper: #ffffff; --panel: #f8fafc;
  --ok: #15803d; --bad: #b91c1c; --bad-bg: #fef2f2; --wait: #b45309; --wait-bg: #fef3c7; --wait-stripe: #fcd34d;
  ${LANE_COLOURS.map((colour, i) => `--lane-${i}: ${colour};`).join(' ')}
  --sans: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; padding: 24px 28px 16px; max-width: 1400px; font: 14px/1.45 var(--sans); color: var(--ink); background: var(--paper); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
a { color: #1d4ed8; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.sub { color: var(--muted); margin: 0 0 16px; }
.sub code { color: var(--ink); }
.kind { display: inline-block; padding: 1px 8px; border-radius: 10px; background: var(--bad); color: #fff; font-size: 12px; font-weight: 600; vertical-align: 3px; }
.kind.known { background: var(--muted); }
.replay { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px; overflow-wrap: anywhere; }
.legend { color: var(--muted); font-size: 12px; margin: 0 0 14px; }
.legend span { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; vertical-align: -1px; margin-right: 4px; border-radius: 2px; }
footer { margin-top: 28px; color: var(--muted); font-size: 11px; }

table.timeline { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.timeline th.step-no, table.timeline td.step-no { width: 34px; color: var(--muted); font-size: 11px; text-align: right; padding-right: 6px; vertical-align: top; padding-top: 7px; }
table.timeline th.lane-head { text-align: left; vertical-align: top; padding: 0 8px 10px 0; font-weight: normal; }
.lane-head .letter { display: inline-block; width: 28px; height: 28px; line-height: 28px; border-radius: 50%; color: #fff; text-align: center; font-weight: 700; font-size: 16px; margin-right: 8px; }
.lane-head .workflow { font-weight: 700; font-size: 15px; }
.lane-head .call { display: block; margin-top: 6px; padding: 6px 8px; background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; overflow-wrap: anywhere; }
table.timeline tr { break-inside: avoid; }
table.timeline tr.sep td { border-top: 1px dashed #e2e8f0; }
td.lane { position: relative; padding: 3px 8px 3px 34px; vertical-align: top; }
/* The lane's life line; thick and coloured while a transaction is open, striped amber while it waits. */
td.lane::before { content: ""; position: absolute; top: 0; bottom: 0; left: 15px; width: 2px; background: #e2e8f0; }
td.lane.tx::before { left: 12px; width: 8px; background: var(--lane-colour); opacity: .35; }
td.lane.tx.tx-end::before { bottom: 50%; border-radius: 0 0 4px 4px; }
td.lane.aborted::before { left: 12px; width: 8px; background: repeating-linear-gradient(180deg, var(--bad) 0 4px, transparent 4px 8px); opacity: .6; }
td.lane.waiting::before { left: 10px; width: 12px; opacity: 1; background: repeating-linear-gradient(135deg, var(--wait) 0 3px, var(--wait-stripe) 3px 7px); }
td.lane.waiting .bar-note { color: var(--wait); font-size: 11.5px; padding: 4px 0; }
${LANE_COLOURS.map((_, i) => `.lane-${i} { --lane-colour: var(--lane-${i}); } .lane-head.lane-${i} .letter { background: var(--lane-${i}); }`).join('\n')}

.card { border: 1px solid var(--rule); border-left: 4px solid var(--lane-colour); border-radius: 5px; padding: 4px 8px; background: #fff; }
.card .name { font-family: var(--mono); font-weight: 700; font-size: 12.5px; overflow-wrap: anywhere; }
.card .result { color: var(--muted); font-family: var(--mono); font-size: 12.5px; }
.card .result b { color: var(--ink); font-weight: 600; }
.tag { display: inline-block; font-size: 10.5px; font-family: var(--sans); padding: 0 6px; border-radius: 8px; margin-left: 6px; vertical-align: 1px; border: 1px solid currentColor; }
.tag.uncommitted { color: var(--muted); }
.tag.after-wait { color: var(--wait); }
.card.point { display: inline-block; border-left-width: 1px; border-radius: 12px; padding: 1px 10px; font-family: var(--mono); font-size: 12px; font-weight: 700; }
.card.begin { color: var(--lane-colour); border-color: var(--lane-colour); }
.card.commit { color: #fff; background: var(--ok); border-color: var(--ok); }
.card.rollback { color: #fff; background: var(--bad); border-color: var(--bad); }
.card.error { border-color: var(--bad); border-left-color: var(--bad); background: var(--bad-bg); }
.card.error .sqlstate { color: var(--bad); font-weight: 700; font-family: var(--mono); }
.card.error .message { display: block; color: var(--bad); font-size: 12.5px; overflow-wrap: anywhere; }
.card.error .abort { display: block; color: var(--bad); font-weight: 700; font-size: 12px; }
.card.wait { border-color: var(--wait); border-left-color: var(--wait); background: var(--wait-bg); }
.card.wait .waits { color: var(--wait); font-weight: 700; }
.card.wait .lock { display: block; font-family: var(--mono); font-size: 12px; color: #78350f; }
.card.answer { display: inline-block; background: var(--ink); border-color: var(--ink); color: #fff; border-radius: 12px; padding: 1px 10px; font-weight: 700; }
.card.answer .label { font-weight: normal; opacity: .8; margin-right: 4px; }
tr.end td.lane { padding-top: 10px; }
.end-note { color: var(--muted); font-size: 12.5px; }
.end-note.bad { color: var(--bad); }

section.verdict { margin-top: 22px; border: 2px solid var(--bad); border-radius: 8px; padding: 12px 16px; background: var(--bad-bg); break-inside: avoid; }
section.verdict.known { border-color: var(--muted); background: var(--panel); }
section.verdict h2 { margin: 0 0 6px; color: var(--bad); }
section.verdict.known h2 { color: var(--ink); }
section.verdict .headline { font-weight: 600; margin: 0 0 8px; }
section.verdict ul { margin: 4px 0 8px; padding-left: 20px; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 8px; }
.side { background: #fff; border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px; }
.side h3 { margin: 0 0 6px; font-size: 13px; }
.side.real h3 { color: var(--bad); }

table.list { border-collapse: collapse; width: 100%; }
table.list th, table.list td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid #e2e8f0; vertical-align: baseline; }
table.list th { color: var(--muted); font-weight: 600; font-size: 12px; }
table.facts th { width: 140px; }
.found { color: var(--bad); font-weight: 700; }
.clean { color: var(--ok); }

@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  a { color: inherit; text-decoration: none; }
  footer { display: none; }
}
`;
