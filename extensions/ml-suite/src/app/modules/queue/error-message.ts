/** The message of a failed `useApi()` call: the Directus error body's first message, else the error's own. */
export function errorMessage(error: unknown): string {
	const response = (error as { response?: { data?: { errors?: { message?: string }[] } } }).response;
	return response?.data?.errors?.[0]?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Turns the API's `/admin/content/...` link into an app route (the app router is based at /admin). */
export function appRoute(link: string): string {
	return link.startsWith('/admin/') ? link.slice('/admin'.length) : link;
}
