# ch02-process/build.mk - special builds of chapter 2.
#   aslr-nopie         the same aslr.c linked as a fixed-address (ET_EXEC) binary
#   spawn-tiny-static  spawn-tiny.c without any libc: _start -> exit_group(0)
EXTRA_PROGS += ch02-process/aslr-nopie
ch02-process/aslr-nopie: ch02-process/aslr.c ch02-process/ch02.h $(LIB) lib/shikumi.h
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(WARN) -fno-pie -no-pie -o $@ $< $(LIB) $(LDLIBS)

ifneq ($(filter x86_64 aarch64,$(shell uname -m)),)
EXTRA_PROGS += ch02-process/spawn-tiny-static
ch02-process/spawn-tiny-static: ch02-process/spawn-tiny.c
	$(CC) $(STD) -O2 -DSK_TINY_NOLIBC -nostdlib -static -fno-stack-protector \
		-Wl,--build-id=none -o $@ $<
endif

# (The top Makefile rebuilds every program when its chapter's *.h changes.)
