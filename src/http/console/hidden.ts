/** Console pages are not API operations: kept out of the OpenAPI document (and so out of its fuzzing). */
export const HIDDEN = { schema: { hide: true } } as const;
