// Parsers of /proc text, on fixed lines (the odd command names included).
#include "monitor/proc_files.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace perfgate::monitor {
namespace {

TEST(ProcFiles, ParsesStatFieldsAfterTheCommandName) {
  // A command name with spaces and a ')' in it.
  const char* line =
      "4242 (a b) c) S 17 4242 17 0 -1 4194560 300 0 0 0 120 30 7 3 20 0 5 0 98765 1234567 890 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto stat = parse_proc_stat(line);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 17);
  EXPECT_EQ(stat->own_ticks, 150u);     // utime 120 + stime 30
  EXPECT_EQ(stat->reaped_ticks, 10u);   // cutime 7 + cstime 3
  EXPECT_EQ(stat->threads, 5u);
  EXPECT_EQ(stat->start_ticks, 98765u);
  EXPECT_EQ(stat->rss_pages, 890u);
}

TEST(ProcFiles, RejectsTextThatIsNotAStatLine) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("no parentheses here"));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 0 1"));
}

TEST(ProcFiles, FindsFieldsWithColonOrSpace) {
  const char* rollup = "Rss:                3000 kB\nPss:                2048 kB\nPss_Anon:  100 kB\n";
  EXPECT_EQ(find_field(rollup, "Pss"), 2048u);
  EXPECT_EQ(find_field(rollup, "Rss"), 3000u);
  EXPECT_EQ(find_field("usage_usec 123456\nuser_usec 100\n", "usage_usec"), 123456u);
  const char* status = "voluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n";
  EXPECT_EQ(find_field(status, "voluntary_ctxt_switches"), 12u);
  EXPECT_EQ(find_field(status, "nonvoluntary_ctxt_switches"), 3u);
  EXPECT_FALSE(find_field(status, "Threads"));
}

TEST(ProcFiles, ReadsThisProcess) {
  const int fd = open_read("/proc/self/stat");
  ASSERT_GE(fd, 0);
  std::string text;
  ASSERT_TRUE(pread_whole(fd, text));
  auto stat = parse_proc_stat(text);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->ppid, ::getppid());
  // A second pread from offset 0 reads the file afresh.
  ASSERT_TRUE(pread_whole(fd, text));
  EXPECT_TRUE(parse_proc_stat(text));
  ::close(fd);
  auto fds = count_fds(::getpid());
  ASSERT_TRUE(fds);
  EXPECT_GE(*fds, 3u);
}

}  // namespace
}  // namespace perfgate::monitor
