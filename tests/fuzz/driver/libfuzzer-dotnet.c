// libFuzzer front end for a .NET harness that calls SharpFuzz's Fuzzer.LibFuzzer.Run.
//
// libFuzzer lives in this process; the harness runs in a child process started once. They share one System V
// segment: a 64 KiB edge-coverage map (written by the SharpFuzz-instrumented assemblies) followed by the input
// (at most 1 MiB). Per input we write its length to the child's control pipe (fd 198), wait for a 4-byte status on
// the status pipe (fd 199; 0 = fine; both numbers are also passed in __LIBFUZZER_*_PIPE_ID), and copy the map into libFuzzer's extra counters so it sees managed coverage.
// A child that dies (stack overflow, OOM kill) or reports a failure is turned into abort(), so libFuzzer writes the
// input out as a crash artifact. The child dies with us (PR_SET_PDEATHSIG): a hang that libFuzzer times out must not
// leave a spinning process behind.
//
// Environment: RF_FUZZ_HARNESS = the harness executable; everything else (RF_FUZZ_TARGET, DOTNET_*) is inherited.
// Build: clang -fsanitize=fuzzer -O1 libfuzzer-dotnet.c -o libfuzzer-dotnet

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

enum { COVERAGE_BYTES = 1 << 16, INPUT_BYTES = 1 << 20, CONTROL_FD = 198, STATUS_FD = 199 };

// Not static: the linker must keep the section so that __start_/__stop___libfuzzer_extra_counters exist.
__attribute__((used, section("__libfuzzer_extra_counters"))) uint8_t managed_coverage[COVERAGE_BYTES];

static int shm_id = -1;
static uint8_t *shared;
static int control_fd = -1, status_fd = -1;

static void fail(const char *what) {
    fprintf(stderr, "libfuzzer-dotnet: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void remove_segment(void) {
    if (shm_id >= 0) shmctl(shm_id, IPC_RMID, NULL);
}

static int read_full(int fd, void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = read(fd, (char *)buffer + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        done += (size_t)n;
    }
    return 1;
}

static int write_full(int fd, const void *buffer, size_t length) {
    size_t done = 0;
    while (done < length) {
        ssize_t n = write(fd, (const char *)buffer + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        done += (size_t)n;
    }
    return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *harness = getenv("RF_FUZZ_HARNESS");
    if (!harness || !*harness) {
        fprintf(stderr, "libfuzzer-dotnet: set RF_FUZZ_HARNESS to the .NET harness executable\n");
        exit(1);
    }
    int control[2], status[2];
    if (pipe(control) || pipe(status)) fail("pipe");
    shm_id = shmget(IPC_PRIVATE, COVERAGE_BYTES + INPUT_BYTES, IPC_CREAT | IPC_EXCL | 0600);
    if (shm_id < 0) fail("shmget");
    atexit(remove_segment);
    shared = shmat(shm_id, NULL, 0);
    if (shared == (void *)-1) fail("shmat");

    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        if (dup2(control[0], CONTROL_FD) < 0 || dup2(status[1], STATUS_FD) < 0) fail("dup2");
        close(control[0]);
        close(control[1]);
        close(status[0]);
        close(status[1]);
        char id[16];
        snprintf(id, sizeof id, "%d", shm_id);
        setenv("__LIBFUZZER_SHM_ID", id, 1);
        setenv("__LIBFUZZER_CONTROL_PIPE_ID", "198", 1);
        setenv("__LIBFUZZER_STATUS_PIPE_ID", "199", 1);
        execl(harness, harness, (char *)NULL);
        fail("exec RF_FUZZ_HARNESS");
    }
    close(control[0]);
    close(status[1]);
    control_fd = control[1];
    status_fd = status[0];
    int32_t ready;
    if (!read_full(status_fd, &ready, sizeof ready)) {
        fprintf(stderr, "libfuzzer-dotnet: the harness exited before it was ready\n");
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > INPUT_BYTES) return -1;  // libFuzzer keeps -max_len below this; a longer seed is skipped
    memset(shared, 0, COVERAGE_BYTES);
    memcpy(shared + COVERAGE_BYTES, data, size);
    int32_t length = (int32_t)size, status;
    if (!write_full(control_fd, &length, sizeof length) || !read_full(status_fd, &status, sizeof status)) {
        fprintf(stderr, "libfuzzer-dotnet: the harness died on this input\n");
        abort();
    }
    memcpy(managed_coverage, shared, COVERAGE_BYTES);
    if (status != 0) {
        fprintf(stderr, "libfuzzer-dotnet: the harness reported an unexpected exception (above)\n");
        abort();
    }
    return 0;
}
