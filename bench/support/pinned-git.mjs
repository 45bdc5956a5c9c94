// Reading a file of a public repository at a pinned commit, from a local clone: how the
// prepare-*-data scripts rebuild bench data sets that are not committed here.
import { execFileSync } from 'node:child_process';

/**
 * The bytes of `path` at `commit` in the clone at `dir` (a string with `encoding`). Fails with a
 * message naming the file, the commit and the clone when the clone does not hold them.
 */
export function showAtCommit(dir, commit, path, { encoding, maxBuffer = 256 * 1024 * 1024 } = {}) {
	try {
		return execFileSync('git', ['-C', dir, 'show', `${commit}:${path}`], { encoding, maxBuffer });
	} catch (error) {
		throw new Error(`cannot read ${path} at ${commit} in ${dir} (is it a clone of the right repository?): ${error.message.split('\n')[0]}`);
	}
}
