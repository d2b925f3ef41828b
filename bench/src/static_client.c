// SPDX-License-Identifier: MIT
// tok-static-client: the least a `tok header P` can be. Statically linked; connects, sends one
// get line, reads the answer line and prints its headers as `Name: value` lines. It trusts the
// answer's shape (header values are plain printable ASCII by the agent's own check), so it is
// a yardstick for process start-up and one round trip, not a client to use.
//   tok-static-client SOCKET PROFILE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char answer[1 << 16];

// Copies the JSON string starting at p (just after its opening quote) to out; returns the
// position after the closing quote, or NULL.
static const char* read_string(const char* p, char* out, size_t cap)
{
    size_t n = 0;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            ++p;
        if (n + 1 < cap)
            out[n++] = *p;
        ++p;
    }
    out[n] = 0;
    return *p == '"' ? p + 1 : NULL;
}

int main(int argc, char** argv)
{
    if (argc != 3) {
        fputs("usage: tok-static-client SOCKET PROFILE\n", stderr);
        return 2;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
        perror(argv[1]);
        return 3;
    }
    char request[512];
    int len = snprintf(request, sizeof request, "{\"op\":\"get\",\"profile\":\"%s\"}\n", argv[2]);
    if (len <= 0 || (size_t)len >= sizeof request || write(fd, request, (size_t)len) != len)
        return 1;
    size_t got = 0;
    while (got < sizeof answer - 1) {
        ssize_t r = read(fd, answer + got, sizeof answer - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (answer[got - 1] == '\n')
            break;
    }
    answer[got] = 0;
    const char* h = strstr(answer, "\"headers\":{");
    if (strncmp(answer, "{\"ok\":true", 10) != 0 || !h) {
        fputs(answer, stderr);
        return 1;
    }
    static char name[256], value[1 << 15];
    for (h += 11; *h == '"';) {
        if (!(h = read_string(h + 1, name, sizeof name)) || *h++ != ':' || *h++ != '"'
            || !(h = read_string(h, value, sizeof value)))
            return 1;
        printf("%s: %s\n", name, value);
        if (*h == ',')
            ++h;
    }
    return 0;
}
