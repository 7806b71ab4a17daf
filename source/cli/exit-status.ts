/** ssh's exit status for a connection, authentication, forwarding or argument failure. */
export const EXIT_FAILURE = 255;
