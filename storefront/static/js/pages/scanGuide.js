// The how-to-scan guide: plain HTML from the server; nothing to fetch or draw.
export default async function scanGuide() {
  window.__ready = true;
}
