import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Real audio for the transcription tests, made here: speech from espeak-ng (Debian) and tone
 * sequences whose pitch names each "word", converted by the real ffmpeg.
 */
export function ffmpegPath(): string {
	try {
		const packaged = join(dirname(createRequire(import.meta.url).resolve('@ffmpeg-installer/linux-x64/package.json')), 'ffmpeg');
		if (existsSync(packaged)) return packaged;
	} catch {
		// Not installed on this platform: the system ffmpeg.
	}
	return 'ffmpeg';
}

export function ffmpeg(args: string[]): Buffer {
	return execFileSync(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 256 * 1024 * 1024 });
}

/** Encoder arguments per output format. */
const ENCODE: Record<string, string[]> = {
	wav: ['-c:a', 'pcm_s16le'],
	mp3: ['-c:a', 'libmp3lame', '-b:a', '64k'],
	ogg: ['-c:a', 'libvorbis', '-q:a', '4'],
	m4a: ['-c:a', 'aac', '-b:a', '64k'],
	flac: ['-c:a', 'flac'],
};

/** Speech from espeak-ng, as wav/mp3/ogg/m4a (or an mp4 video with the speech as its audio track). */
export function speech(dir: string, name: string, text: string, format: 'wav' | 'mp3' | 'ogg' | 'm4a' | 'mp4'): string {
	mkdirSync(dir, { recursive: true });
	const wav = join(dir, `${name}.src.wav`);
	execFileSync('espeak-ng', ['-w', wav, text]);
	const out = join(dir, `${name}.${format}`);
	if (format === 'mp4') {
		ffmpeg(['-f', 'lavfi', '-i', 'color=c=navy:s=160x120:r=10', '-i', wav, '-shortest', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', out]);
	} else {
		ffmpeg(['-i', wav, ...ENCODE[format]!, out]);
	}
	return out;
}

/**
 * Phrases spoken by espeak-ng one after another with `pauseSeconds` of silence between them, as
 * one recording (the fake transcription server, told the phrases, hears each as one segment).
 */
export function speechWithPauses(dir: string, name: string, phrases: string[], pauseSeconds: number, format: 'wav' | 'mp3' | 'ogg' | 'm4a' | 'flac'): string {
	mkdirSync(dir, { recursive: true });
	const inputs: string[] = [];
	phrases.forEach((phrase, i) => {
		const wav = join(dir, `${name}.${i}.src.wav`);
		execFileSync('espeak-ng', ['-w', wav, phrase]);
		if (i > 0) inputs.push('-f', 'lavfi', '-t', String(pauseSeconds), '-i', 'anullsrc=r=22050:cl=mono');
		inputs.push('-i', wav);
	});
	const n = phrases.length * 2 - 1;
	const filter = `${Array.from({ length: n }, (_, i) => `[${i}:a]aresample=22050,aformat=channel_layouts=mono[a${i}]`).join(';')};${Array.from({ length: n }, (_, i) => `[a${i}]`).join('')}concat=n=${n}:v=0:a=1[out]`;
	const out = join(dir, `${name}.${format}`);
	ffmpeg([...inputs, '-filter_complex', filter, '-map', '[out]', ...ENCODE[format]!, out]);
	return out;
}

/** Pitch of tone word `i` (Hz). The fake transcription server maps pitch back to `w<i>`. */
export const toneFrequency = (i: number): number => 300 + 40 * i;
export const TONE_SECONDS = 0.5;
export const GAP_SECONDS = 0.3;

/**
 * `count` tone "words" (0.5 s each, 0.3 s apart, pitch 300 + 40·i Hz) encoded as `format`.
 * Word i spans [0.3 + 0.8·i, 0.8 + 0.8·i] seconds.
 */
export function toneWords(dir: string, name: string, count: number, format: 'wav' | 'mp3' | 'ogg' | 'm4a' | 'flac'): { path: string; words: { word: string; start: number; end: number }[] } {
	mkdirSync(dir, { recursive: true });
	const rate = 16_000;
	const total = Math.ceil((GAP_SECONDS + count * (TONE_SECONDS + GAP_SECONDS)) * rate);
	const pcm = Buffer.alloc(total * 2);
	const words: { word: string; start: number; end: number }[] = [];
	for (let i = 0; i < count; i++) {
		const start = GAP_SECONDS + i * (TONE_SECONDS + GAP_SECONDS);
		words.push({ word: `w${i}`, start, end: start + TONE_SECONDS });
		const f = toneFrequency(i);
		const first = Math.round(start * rate);
		const n = Math.round(TONE_SECONDS * rate);
		for (let k = 0; k < n; k++) {
			// Short fades avoid clicks that would read as noise bursts.
			const fade = Math.min(1, k / 80, (n - k) / 80);
			pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * f * k) / rate) * 12_000 * fade), (first + k) * 2);
		}
	}
	const raw = join(dir, `${name}.pcm`);
	writeFileSync(raw, pcm);
	const out = join(dir, `${name}.${format}`);
	ffmpeg(['-f', 's16le', '-ar', String(rate), '-ac', '1', '-i', raw, ...ENCODE[format]!, out]);
	return { path: out, words };
}
