/** Types and pure helpers of the file-transcript interface (tested without a browser). */
export interface ViewSegment {
	start: number;
	end: number;
	text: string;
}

export interface ViewTranscript {
	file: string;
	status: 'queued' | 'processing' | 'completed' | 'failed';
	progress: number;
	language: string | null;
	duration: number | null;
	model: string | null;
	segments: ViewSegment[];
	error: string | null;
}

/** `m:ss` or `h:mm:ss` for a segment's start. */
export function clock(seconds: number): string {
	const total = Math.max(0, Math.floor(seconds));
	const s = total % 60;
	const m = Math.floor(total / 60) % 60;
	const h = Math.floor(total / 3600);
	const pad = (n: number): string => String(n).padStart(2, '0');
	return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Index of the segment playing at `time` (the last one started), or -1 before the first. */
export function activeSegment(segments: readonly ViewSegment[], time: number): number {
	let found = -1;
	for (let i = 0; i < segments.length; i++) {
		if (segments[i]!.start <= time + 0.05) found = i;
		else break;
	}
	return found;
}

/** Whether a file's MIME type plays as video (else audio). */
export function isVideo(type: string | null | undefined): boolean {
	return typeof type === 'string' && type.startsWith('video/');
}
