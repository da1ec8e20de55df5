# ch01-syscall/build.mk - hello built statically as well (where libc.a exists).
ifeq ($(HAVE_STATIC),yes)
EXTRA_PROGS += ch01-syscall/hello-static
ch01-syscall/hello-static: ch01-syscall/hello.c
	$(CC) $(STD) $(CFLAGS) $(WARN) -static -o $@ $<
endif
