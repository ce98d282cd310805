// The images' HEALTHCHECK (deploy/docker/*.Dockerfile): exits 0 when every URL given answers 200 within 3 s, 1
// otherwise, naming the one that did not. Plain node, because the slim base image has no curl or wget.
const urls = process.argv.slice(2);
if (urls.length === 0) {
  process.stderr.write('usage: node healthcheck.mjs <url>...\n');
  process.exit(2);
}
for (const url of urls) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    if (response.status !== 200) {
      process.stderr.write(`${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}\n`);
      process.exit(1);
    }
  } catch (error) {
    process.stderr.write(`${url}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
