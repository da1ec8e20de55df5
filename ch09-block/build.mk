# ch09-block/build.mk - io links liburing (Debian liburing-dev) when it is there;
# without it io is built without its io_uring engine (--engine io_uring SKIPs).
# (\043 is '#': a literal one would start a make comment.)
CH09_HAVE_LIBURING := $(shell printf '\043include <liburing.h>\nint main(void){struct io_uring r; return io_uring_queue_init(1, &r, 0);}\n' | \
	$(CC) -x c - -o /dev/null -luring 2>/dev/null && echo yes)
ifeq ($(CH09_HAVE_LIBURING),yes)
ch09-block/io build/asan/ch09-block/io: PROG_CFLAGS += -DHAVE_LIBURING
ch09-block/io build/asan/ch09-block/io: PROG_LDLIBS += -luring
endif
# io is rebuilt when liburing comes or goes (a first `make` before
# scripts/install-deps built it without the engine, and nothing else changed).
CH09_URING_STAMP := build/ch09-liburing.$(if $(CH09_HAVE_LIBURING),yes,no)
$(CH09_URING_STAMP):
	@mkdir -p $(@D) && rm -f build/ch09-liburing.* && touch $@
ch09-block/io build/asan/ch09-block/io: $(CH09_URING_STAMP)
