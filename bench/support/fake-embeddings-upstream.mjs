// A child process answering every request like an OpenAI-format embeddings server (one base64
// vector of 1,536 float32), so a client's CPU is measured apart from the server's.
import http from 'node:http';

const body = JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: Buffer.alloc(6144, 7).toString('base64') }], model: 'bench-embed', usage: { prompt_tokens: 5, total_tokens: 5 } });
http
	.createServer((req, res) => {
		req.resume();
		req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
	})
	.listen(0, '127.0.0.1', function () {
		process.send?.(this.address().port);
	});
