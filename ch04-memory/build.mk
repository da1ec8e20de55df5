# ch04-memory/build.mk - the chapter's programs include ch04-memory/common.h:
# rebuild them (plain and ASan) when it changes.
CH04_PROGS := $(patsubst %.c,%,$(wildcard ch04-memory/*.c))
$(CH04_PROGS) $(addprefix build/asan/,$(CH04_PROGS)): ch04-memory/common.h
