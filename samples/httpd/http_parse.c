/*
 * http_parse.c - request heads and paths for samples/httpd (see
 * http_parse.h): pure functions over the bytes given, strict where a
 * lenient reading could let two parsers disagree about where a request
 * ends (bare CR, line folding, Transfer-Encoding, two Content-Lengths),
 * lenient only where RFC 9112 allows it (bare LF, leading empty lines).
 * A head is parsed from its start each time more bytes arrive: heads are
 * at most a few KiB, so this costs less than keeping state would.
 */
#include "http_parse.h"

#include <string.h>

#define R_OK_ HTTP_PARSE_OK
#define R_MORE HTTP_PARSE_INCOMPLETE

/* RFC 9110 5.6.2: tchar */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* a[0..n) equals the lower-case word w, case-insensitively */
static bool word_is(const char *a, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != w[i])
			return false;
	return true;
}

/*
 * The line starting at pos: its content is buf[pos..*end), the next line
 * starts at *next. Returns R_OK_, R_MORE when no LF follows, or 400 for a
 * CR that does not end the line or a NUL.
 */
static int get_line(const char *buf, size_t len, size_t pos, size_t *end, size_t *next)
{
	const char *lf = memchr(buf + pos, '\n', len - pos);
	if (!lf)
		return R_MORE;
	size_t e = (size_t)(lf - buf);
	*next = e + 1;
	if (e > pos && buf[e - 1] == '\r')
		e--;
	if (memchr(buf + pos, '\r', e - pos) || memchr(buf + pos, '\0', e - pos))
		return 400;
	*end = e;
	return R_OK_;
}

/* Connection: a comma-separated list of options; "close" and "keep-alive" count. */
static void connection_field(const char *v, size_t n, bool *close, bool *keep)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (word_is(v + s, i - s, "close"))
			*close = true;
		else if (word_is(v + s, i - s, "keep-alive"))
			*keep = true;
		while (i < n && v[i] != ',')
			i++;
	}
}

/* Content-Length: 1*DIGIT, at most 2^63 - 1; -1 when it is not that. */
static long long parse_length(const char *v, size_t n)
{
	unsigned long long x = 0;
	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	return x > (unsigned long long)__LONG_LONG_MAX__ ? -1 : (long long)x;
}

/*
 * The request line: method SP request-target SP HTTP-version. Fills the
 * method, path and minor version; 505 for a well-formed version that is
 * not 1.x, 400 for anything else wrong.
 */
static int request_line(const char *l, size_t n, struct http_request *req)
{
	size_t i = 0;
	while (i < n && is_tchar((unsigned char)l[i]))
		i++;
	if (i == 0 || i >= n || l[i] != ' ')
		return 400;
	req->method_name = l;
	req->method_len = i;
	if (i == 3 && !memcmp(l, "GET", 3))
		req->method = HTTP_GET;
	else if (i == 4 && !memcmp(l, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;

	size_t t = ++i;		/* the target: visible characters up to SP */
	while (i < n && (unsigned char)l[i] > ' ' && (unsigned char)l[i] < 0x7f)
		i++;
	if (i == t || i >= n || l[i] != ' ')
		return 400;
	const char *target = l + t;
	size_t tlen = i - t;
	i++;

	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, then the end of the line */
	const char *v = l + i;
	if (n - i != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return 400;
	if (v[5] != '1')
		return 505;
	req->minor = v[7] == '0' ? 0 : 1;

	/* origin-form "/path?query", absolute-form "http://authority/path",
	   asterisk-form "*" (only OPTIONS means anything by it) */
	if (tlen >= 7 && (word_is(target, 7, "http://") ||
			  (tlen >= 8 && word_is(target, 8, "https://")))) {
		size_t s = lower(target[4]) == 's' ? 8 : 7, e = s;
		while (e < tlen && target[e] != '/' && target[e] != '?' && target[e] != '#')
			e++;
		if (e == s)
			return 400;	/* no authority */
		if (e == tlen || target[e] != '/') {
			req->path = "/";
			req->path_len = 1;
			return R_OK_;
		}
		target += e;
		tlen -= e;
	} else if (!(target[0] == '/' || (tlen == 1 && target[0] == '*'))) {
		return 400;
	}
	size_t p = 0;
	while (p < tlen && target[p] != '?' && target[p] != '#')
		p++;
	req->path = target;
	req->path_len = p;
	return R_OK_;
}

int http_parse_request(const char *buf, size_t len, size_t limit, struct http_request *req)
{
	size_t pos = 0, end, next;
	int r;

	memset(req, 0, sizeof(*req));
	/* RFC 9112 2.2: empty lines before the request line are ignored */
	while (pos < len && (buf[pos] == '\n' || buf[pos] == '\r')) {
		if (buf[pos] == '\r') {
			if (pos + 1 == len)
				break;
			if (buf[pos + 1] != '\n')
				return 400;
			pos++;
		}
		pos++;
	}

	r = get_line(buf, len, pos, &end, &next);
	if (r == R_MORE || next > limit)
		return len >= limit ? 414 : R_MORE;
	if (r != R_OK_ || (r = request_line(buf + pos, end - pos, req)) != R_OK_)
		return r;

	bool close = false, keep = false, have_length = false, te = false;
	int hosts = 0;
	for (pos = next;; pos = next) {
		r = get_line(buf, len, pos, &end, &next);
		if (r == R_MORE || next > limit)
			return len >= limit ? 431 : R_MORE;
		if (r != R_OK_)
			return r;
		if (end == pos)
			break;		/* the empty line: the end of the head */
		const char *l = buf + pos;
		size_t n = end - pos, c = 0;
		/* field-name ":" OWS field-value OWS; no space before the colon,
		   no obs-fold (a line starting with SP or HTAB) */
		while (c < n && is_tchar((unsigned char)l[c]))
			c++;
		if (c == 0 || c == n || l[c] != ':')
			return 400;
		size_t vs = c + 1, ve = n;
		while (vs < ve && (l[vs] == ' ' || l[vs] == '\t'))
			vs++;
		while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
			ve--;
		for (size_t k = vs; k < ve; k++) {
			unsigned char ch = (unsigned char)l[k];
			if ((ch < ' ' && ch != '\t') || ch == 0x7f)
				return 400;
		}
		const char *v = l + vs;
		size_t vn = ve - vs;
		if (word_is(l, c, "host")) {
			hosts++;
		} else if (word_is(l, c, "connection")) {
			connection_field(v, vn, &close, &keep);
		} else if (word_is(l, c, "content-length")) {
			long long x = parse_length(v, vn);
			if (x < 0 || (have_length && (unsigned long long)x != req->content_length))
				return 400;
			req->content_length = (unsigned long long)x;
			have_length = true;
		} else if (word_is(l, c, "transfer-encoding")) {
			te = true;
		}
	}
	if (te)
		return have_length ? 400 : 501;	/* both: a smuggling attempt */
	if (hosts > 1 || (req->minor >= 1 && hosts == 0))
		return 400;
	req->has_host = hosts == 1;
	req->keep_alive = !close && (req->minor >= 1 || keep);
	req->length = next;
	return R_OK_;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int http_path_decode(const char *path, size_t len, char *out, size_t outsz, bool *dir)
{
	size_t o = 0, seg = 0;	/* out's length; where its last segment starts */
	bool slash = false;

	if (len == 0 || path[0] != '/' || outsz == 0)
		return -400;
	for (size_t i = 0; i <= len; i++) {
		int c;
		if (i == len) {
			c = '/';	/* ends the last segment */
		} else if (path[i] == '%') {
			int h = i + 2 < len ? hexval((unsigned char)path[i + 1]) : -1;
			int l = h >= 0 ? hexval((unsigned char)path[i + 2]) : -1;
			if (l < 0 || (c = h * 16 + l) == 0)
				return -400;
			i += 2;
		} else {
			c = (unsigned char)path[i];
		}
		if (c != '/') {
			if (o + 1 >= outsz)
				return -414;
			out[o++] = (char)c;
			slash = false;
			continue;
		}
		/* a segment ends: drop "" and ".", refuse "..", keep the rest */
		size_t n = o - seg;
		if (n == 2 && out[seg] == '.' && out[seg + 1] == '.')
			return -403;
		if (n == 0 || (n == 1 && out[seg] == '.')) {
			o = seg;
		} else if (i < len) {
			if (o + 1 >= outsz)
				return -414;
			out[o++] = '/';
			seg = o;
		}
		if (i < len)
			slash = true;
	}
	if (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	*dir = slash || o == 0;
	return (int)o;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "";
}
