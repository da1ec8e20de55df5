/*
 * hello - the smallest C program that talks to the world. Built twice,
 * dynamically (./hello) and statically (./hello-static, where libc.a exists),
 * to compare size, system calls at start-up and start-up time.
 *
 * Usage: hello
 * Try:   strace -c ./hello; strace -c ./hello-static; ldd ./hello ./hello-static
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: hello\nPrint 'hello world' (the program whose start-up cost we measure).\n"
		       "Example: strace -c ./hello-static\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "hello: unexpected argument '%s' (try 'hello --help')\n", argv[1]);
		return 2;
	}
	puts("hello world");
	return 0;
}
