// SPDX-License-Identifier: MIT
// bench-floor: the least a server can do for tokend's exchange. One epoll loop answers every
// request line with a fixed response (tokend's own get answer, read from a file), so its
// numbers are what the kernel allows for this exchange on this machine.
//   bench-floor SOCKET RESPONSE_FILE
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char* response;
static size_t response_len;

static void die(const char* what)
{
    perror(what);
    exit(1);
}

static void load_response(const char* path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        die(path);
    response = malloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, response, (size_t)st.st_size);
    if (n <= 0)
        die("read response");
    response_len = (size_t)n;
    if (response[response_len - 1] != '\n')
        response[response_len++] = '\n';
    close(fd);
}

// Clients always read their answer, so a short write only waits for them briefly.
static int write_all(int fd, const char* p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = {fd, POLLOUT, 0};
            poll(&pfd, 1, 1000);
        } else {
            return -1;
        }
    }
    return 0;
}

static int listen_on(const char* path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "socket path too long\n");
        exit(1);
    }
    strcpy(addr.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(fd, SOMAXCONN) != 0)
        die(path);
    return fd;
}

int main(int argc, char** argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench-floor SOCKET RESPONSE_FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    load_response(argv[2]);
    int lfd = listen_on(argv[1]);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

    static char buf[65536];
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("epoll_wait");
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int c;
                while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r < 0 && errno == EAGAIN)
                continue;
            if (r <= 0) {
                close(fd);
                continue;
            }
            int failed = 0;
            for (char* p = buf; !failed && (p = memchr(p, '\n', (size_t)(buf + r - p))) != NULL; ++p)
                failed = write_all(fd, response, response_len) != 0;
            if (failed)
                close(fd);
        }
    }
}
