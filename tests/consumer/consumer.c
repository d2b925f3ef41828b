/* SPDX-License-Identifier: MIT */
/* Consumer of the installed libtok (C API), built with `pkg-config --cflags --libs tok`.
 * Prints a profile's token, then its header lines. Usage: c_consumer SOCKET PROFILE */
#include <tok/tok.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv)
{
    tok_client* client = NULL;
    tok_token* token = NULL;
    size_t needed = 0;
    char* headers = NULL;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: c_consumer SOCKET PROFILE\n");
        return 2;
    }
    rc = tok_client_new(argv[1], 5000, &client);
    if (rc != TOK_OK) {
        fprintf(stderr, "tok_client_new: %s\n", tok_strerror(rc));
        return 1;
    }
    rc = tok_get(client, argv[2], 0, &token);
    if (rc != TOK_OK) {
        fprintf(stderr, "tok_get: %s: %s\n", tok_strerror(rc), tok_last_error_message(client));
        tok_client_free(client);
        return 1;
    }
    printf("%s\n", tok_token_value(token));
    tok_token_free(token);

    /* The caller-owned buffer pattern: ask for the size, allocate, fetch. */
    rc = tok_header(client, argv[2], 0, NULL, 0, &needed);
    if (rc == TOK_ERR_BUFFER_TOO_SMALL) {
        headers = malloc(needed);
        rc = headers ? tok_header(client, argv[2], 0, headers, needed, &needed) : TOK_ERR_NO_MEMORY;
    }
    if (rc == TOK_OK)
        fputs(headers, stdout);
    free(headers);
    tok_client_free(client);
    return rc == TOK_OK ? 0 : 1;
}
