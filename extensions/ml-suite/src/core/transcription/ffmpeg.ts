import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { MlError } from '../errors.js';

/** Where the ffmpeg binary came from, for health output. */
export type FfmpegSource = 'ML_FFMPEG_PATH' | 'npm:@ffmpeg-installer/linux-x64' | 'system';

export interface FfmpegBinary {
	path: string;
	source: FfmpegSource;
}

export interface LocateFfmpegOptions {
	/** ML_FFMPEG_PATH: an explicit binary. */
	explicitPath?: string | null;
	/** The binary of the `@ffmpeg-installer/<platform>` package, when that package is installed. */
	packagedPath?: string | null;
	/** The process PATH, searched last. */
	searchPath?: string | null;
}

const isExecutable = async (path: string): Promise<boolean> =>
	access(path, constants.X_OK).then(
		() => true,
		() => false,
	);

/** The first usable ffmpeg: ML_FFMPEG_PATH, the registry package's binary, then `ffmpeg` on PATH. Null when none. */
export async function locateFfmpeg(options: LocateFfmpegOptions): Promise<FfmpegBinary | null> {
	if (options.explicitPath) return (await isExecutable(options.explicitPath)) ? { path: options.explicitPath, source: 'ML_FFMPEG_PATH' } : null;
	if (options.packagedPath && (await isExecutable(options.packagedPath))) return { path: options.packagedPath, source: 'npm:@ffmpeg-installer/linux-x64' };
	for (const dir of (options.searchPath ?? '').split(delimiter).filter(Boolean)) {
		const candidate = join(dir, 'ffmpeg');
		if (await isExecutable(candidate)) return { path: candidate, source: 'system' };
	}
	return null;
}

/** The file is not audio ffmpeg can decode (or has no audio stream, or is damaged): 415/422 for the caller. */
export class UnsupportedMediaError extends MlError {
	constructor(message: string, details?: Record<string, unknown>) {
		super(message, { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415, details });
		this.name = 'UnsupportedMediaError';
	}
}

/** What probing a file found. */
export interface AudioProbe {
	/** Seconds of audio actually decoded (the header's claim is not trusted). */
	duration: number;
	/** ffmpeg's container name(s), e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
	container: string;
	/** Codec of the first audio stream, e.g. `aac`. */
	audioCodec: string;
	/** True when the file also has a video stream. */
	hasVideo: boolean;
}

interface RunResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** Audio extensions and the demuxer/decoders a build needs for each. */
const KNOWN_FORMATS: { extension: string; mime: string[]; demuxer: string; decoders: string[] }[] = [
	{ extension: 'wav', mime: ['audio/wav', 'audio/x-wav', 'audio/wave'], demuxer: 'wav', decoders: ['pcm_s16le'] },
	{ extension: 'mp3', mime: ['audio/mpeg', 'audio/mp3'], demuxer: 'mp3', decoders: ['mp3', 'mp3float'] },
	{ extension: 'ogg', mime: ['audio/ogg'], demuxer: 'ogg', decoders: ['vorbis', 'libvorbis', 'opus', 'libopus'] },
	{ extension: 'opus', mime: ['audio/opus'], demuxer: 'ogg', decoders: ['opus', 'libopus'] },
	{ extension: 'oga', mime: ['audio/ogg'], demuxer: 'ogg', decoders: ['vorbis', 'libvorbis', 'opus', 'libopus'] },
	{ extension: 'flac', mime: ['audio/flac', 'audio/x-flac'], demuxer: 'flac', decoders: ['flac'] },
	{ extension: 'm4a', mime: ['audio/mp4', 'audio/x-m4a', 'audio/m4a'], demuxer: 'mov', decoders: ['aac'] },
	{ extension: 'aac', mime: ['audio/aac'], demuxer: 'aac', decoders: ['aac'] },
	{ extension: 'mp4', mime: ['video/mp4'], demuxer: 'mov', decoders: ['aac'] },
	{ extension: 'mov', mime: ['video/quicktime'], demuxer: 'mov', decoders: ['aac'] },
	{ extension: 'webm', mime: ['audio/webm', 'video/webm'], demuxer: 'matroska', decoders: ['opus', 'libopus', 'vorbis', 'libvorbis'] },
	{ extension: 'mkv', mime: ['video/x-matroska', 'audio/x-matroska'], demuxer: 'matroska', decoders: ['opus', 'libopus', 'vorbis', 'libvorbis', 'aac', 'mp3', 'ac3'] },
	{ extension: 'wma', mime: ['audio/x-ms-wma'], demuxer: 'asf', decoders: ['wmav2', 'wmav1'] },
	{ extension: 'amr', mime: ['audio/amr'], demuxer: 'amr', decoders: ['amrnb', 'libopencore_amrnb'] },
	{ extension: 'aiff', mime: ['audio/aiff', 'audio/x-aiff'], demuxer: 'aiff', decoders: ['pcm_s16be'] },
];

export interface DecodableFormat {
	extension: string;
	mimeTypes: string[];
}

/**
 * ffmpeg as the suite uses it: probe (decode the whole audio stream, so damage and the real
 * duration are found before anything is sent or stored), cut a piece to mono 16 kHz MP3 for
 * upload, and list what this build can decode.
 */
export class Ffmpeg {
	private formats: Promise<DecodableFormat[]> | undefined;

	constructor(readonly binary: FfmpegBinary) {}

	/** `ffmpeg -version`'s first line. */
	async version(): Promise<string> {
		const result = await this.run(['-hide_banner', '-version']);
		return result.stdout.split('\n')[0]?.trim() ?? 'unknown';
	}

	/** Decodes the first audio stream of `file` to nowhere. Throws `UnsupportedMediaError` for files that are not (intact) audio. */
	async probe(file: string, signal?: AbortSignal): Promise<AudioProbe> {
		const result = await this.run(['-hide_banner', '-nostdin', '-xerror', '-i', file, '-map', '0:a:0', '-vn', '-f', 'null', '-progress', 'pipe:1', '-'], signal);
		const container = /Input #0, ([^ ]+), from/.exec(result.stderr)?.[1]?.replace(/,$/, '');
		if (!container) throw new UnsupportedMediaError('The file is not an audio or video file ffmpeg can read.', { reason: lastLine(result.stderr) });
		const audioCodec = /Stream #0:\d+[^:]*: Audio: ([a-z0-9_]+)/.exec(result.stderr)?.[1];
		if (!audioCodec) throw new UnsupportedMediaError('The file has no audio stream.', { container });
		if (result.code !== 0) throw new UnsupportedMediaError('The audio could not be decoded: the file is damaged or incomplete.', { container, reason: lastLine(result.stderr) });
		const times = [...result.stdout.matchAll(/out_time_us=(\d+)/g)].map((m) => Number(m[1]));
		const decoded = (times.length > 0 ? Math.max(...times) : 0) / 1e6;
		if (!(decoded > 0)) throw new UnsupportedMediaError('The audio stream is empty.', { container, audioCodec });
		return { duration: decoded, container, audioCodec, hasVideo: /Stream #0:\d+[^:]*: Video: /.test(result.stderr) };
	}

	/** `[start, start + length)` of `file`'s first audio stream as mono 16 kHz MP3 at `bitrateKbps`, written to `output`. */
	async cutPiece(file: string, output: string, start: number, length: number, bitrateKbps: number, signal?: AbortSignal): Promise<void> {
		const result = await this.run(
			['-hide_banner', '-nostdin', '-v', 'error', '-y', '-ss', start.toFixed(3), '-t', length.toFixed(3), '-i', file, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'libmp3lame', '-b:a', `${bitrateKbps}k`, '-f', 'mp3', output],
			signal,
		);
		if (result.code !== 0) throw new UnsupportedMediaError('Converting the audio failed.', { reason: lastLine(result.stderr) });
	}

	/** Audio formats this build decodes (its demuxers and decoders), by file extension. */
	decodableFormats(): Promise<DecodableFormat[]> {
		this.formats ??= (async () => {
			const [demuxers, decoders] = await Promise.all([this.run(['-hide_banner', '-demuxers']), this.run(['-hide_banner', '-decoders'])]);
			const demuxerNames = new Set([...demuxers.stdout.matchAll(/^\s*D\S*\s+(\S+)/gm)].flatMap((m) => m[1]!.split(',')));
			const decoderNames = new Set([...decoders.stdout.matchAll(/^\s*A\S*\s+(\S+)/gm)].map((m) => m[1]!));
			return KNOWN_FORMATS.filter((f) => demuxerNames.has(f.demuxer) && f.decoders.some((d) => decoderNames.has(d))).map((f) => ({ extension: f.extension, mimeTypes: f.mime }));
		})().catch((error: unknown) => {
			this.formats = undefined;
			throw error;
		});
		return this.formats;
	}

	private run(args: string[], signal?: AbortSignal): Promise<RunResult> {
		return new Promise((resolve, reject) => {
			execFile(this.binary.path, args, { maxBuffer: 64 * 1024 * 1024, signal, encoding: 'utf8' }, (error, stdout, stderr) => {
				if (error && typeof (error as { code?: unknown }).code !== 'number') {
					reject(signal?.aborted ? (signal.reason ?? error) : new MlError(`ffmpeg could not be run (${this.binary.path}): ${error.message}`, { code: 'FFMPEG_FAILED', status: 500, cause: error }));
					return;
				}
				resolve({ code: error ? Number((error as { code?: unknown }).code) : 0, stdout, stderr });
			});
		});
	}
}

function lastLine(text: string): string {
	const lines = text.trim().split('\n');
	return (lines[lines.length - 1] ?? '').trim().slice(0, 300);
}
