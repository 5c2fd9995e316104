/*
 * http_parse.h - the request side of HTTP/1.1 for samples/httpd: pure logic
 * over a byte buffer (no sockets, no files, no allocation, no global state),
 * so it can be unit-tested and fuzzed on the host as it is.
 *
 * http_parse_request() reads one request head (request line and header
 * fields, RFC 9112) from the start of a buffer; http_path_decode() turns
 * the head's path into a file name below the document root, refusing "..".
 * httpd.c is the only caller.
 */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* http_parse_request's results besides an HTTP error status (400...505) */
#define HTTP_PARSE_OK		0	/* a complete head: see struct http_request */
#define HTTP_PARSE_INCOMPLETE	1	/* the head goes on past the buffer: read more */

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER,		/* any other valid method (POST, OPTIONS, ...) */
};

/* One parsed request head. Pointers point into the caller's buffer. */
struct http_request {
	enum http_method method;
	const char *method_name;	/* the method as sent, method_len bytes */
	size_t method_len;
	const char *path;		/* the target's path (query cut off), raw: */
	size_t path_len;		/* still percent-encoded; "*" for OPTIONS * */
	int minor;			/* HTTP/1.<minor>: 0 for 1.0, 1 for 1.1 and later */
	bool keep_alive;		/* the connection persists after the response */
	bool has_host;			/* a Host field was there (required in 1.1) */
	unsigned long long content_length; /* the body that follows the head */
	size_t length;			/* bytes of the head, the empty line included
					   (and any empty lines before the request) */
};

/*
 * Parse the request head at buf[0..len). limit is the largest head the
 * caller accepts (its buffer's size): a head still incomplete at limit
 * bytes is an error. Returns HTTP_PARSE_OK and fills *req,
 * HTTP_PARSE_INCOMPLETE when more bytes are needed, or the status to
 * answer with before closing the connection:
 *   400  malformed request line or field, a HTTP/1.1 request without (or
 *        with two) Host, a bad or conflicting Content-Length
 *   414  the request line alone is longer than limit
 *   431  the head is longer than limit
 *   501  Transfer-Encoding (request bodies are only taken by length)
 *   505  an HTTP version other than 1.x
 * Lines end with CRLF or a bare LF (RFC 9112 2.2); empty lines before the
 * request line are skipped; obsolete line folding is refused (400).
 */
int http_parse_request(const char *buf, size_t len, size_t limit, struct http_request *req);

/*
 * Decode a request path (req->path) into out, a NUL-terminated name
 * relative to the document root: percent-escapes decoded, then split at
 * '/' with empty and "." segments dropped; "" is the root itself.
 * *dir is set when the path ends with '/' (a directory was asked for).
 * Returns the name's length, or -400 (not starting with '/', a bad
 * escape, an encoded NUL), -403 (a ".." segment, encoded or not) or -414
 * (longer than outsz - 1).
 */
int http_path_decode(const char *path, size_t len, char *out, size_t outsz, bool *dir);

/* The reason phrase of a status code ("Not Found"); "" for unknown ones. */
const char *http_reason(int status);

#endif
