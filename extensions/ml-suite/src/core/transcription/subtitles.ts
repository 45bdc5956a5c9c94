import type { TranscriptSegment } from './types.js';

/** `HH:MM:SS<sep>mmm`, as SRT (`,`) and WebVTT (`.`) write cue times. */
export function formatTimestamp(seconds: number, separator: ',' | '.'): string {
	const totalMs = Math.max(0, Math.round(seconds * 1000));
	const ms = totalMs % 1000;
	const s = Math.floor(totalMs / 1000) % 60;
	const m = Math.floor(totalMs / 60_000) % 60;
	const h = Math.floor(totalMs / 3_600_000);
	const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
	return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms, 3)}`;
}

/** A cue's text: single line breaks kept, blank lines removed (a blank line ends a cue in both formats). */
function cueText(text: string): string {
	return text
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter(Boolean)
		.join('\n');
}

const cues = (segments: readonly TranscriptSegment[]): TranscriptSegment[] => segments.filter((s) => cueText(s.text).length > 0);

/** SubRip subtitles. */
export function toSrt(segments: readonly TranscriptSegment[]): string {
	return cues(segments)
		.map((s, i) => `${i + 1}\n${formatTimestamp(s.start, ',')} --> ${formatTimestamp(Math.max(s.end, s.start), ',')}\n${cueText(s.text)}\n`)
		.join('\n');
}

/** WebVTT subtitles. `&`, `<` and `>` are escaped: in cue text they start tags and entities, and `-->` must not appear. */
export function toVtt(segments: readonly TranscriptSegment[]): string {
	const body = cues(segments)
		.map((s) => `${formatTimestamp(s.start, '.')} --> ${formatTimestamp(Math.max(s.end, s.start), '.')}\n${cueText(s.text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\n`)
		.join('\n');
	return `WEBVTT\n\n${body}`;
}

/** Plain text, one segment per line. */
export function toPlainText(segments: readonly TranscriptSegment[]): string {
	return cues(segments)
		.map((s) => cueText(s.text).replace(/\n/g, ' '))
		.join('\n');
}
