import net from 'node:net';

/**
 * A TCP proxy to a real service that a test can take down and bring back on the same port, to
 * simulate the service going away and returning without touching the machine's server.
 */
export interface TcpProxy {
	port: number;
	/** Stops listening and cuts every open connection. */
	down(): Promise<void>;
	/** Listens again on the same port. */
	up(): Promise<void>;
	close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
	const sockets = new Set<net.Socket>();
	const make = (): net.Server =>
		net.createServer((client) => {
			const upstream = net.connect(target);
			sockets.add(client).add(upstream);
			const drop = (): void => {
				client.destroy();
				upstream.destroy();
				sockets.delete(client);
				sockets.delete(upstream);
			};
			client.on('error', drop).on('close', drop);
			upstream.on('error', drop).on('close', drop);
			client.pipe(upstream).pipe(client);
		});
	let server: net.Server | null = make();
	const port = await new Promise<number>((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port)));

	const down = async (): Promise<void> => {
		if (!server) return;
		const closing = server;
		server = null;
		for (const socket of sockets) socket.destroy();
		sockets.clear();
		await new Promise<void>((resolve) => closing.close(() => resolve()));
	};
	return {
		port,
		down,
		async up() {
			if (server) return;
			server = make();
			await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', () => resolve()));
		},
		close: down,
	};
}
