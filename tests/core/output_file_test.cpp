// The one writer of outputs: a regular or new file replaced atomically with the right mode, a
// link's target written, and a device, FIFO or descriptor written where it is, never replaced.
#include "core/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"

namespace perfgate {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

// Sets the umask for the test's length.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/perfgate-output-file-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Nothing but the named entries: no temporary file left behind.
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  std::string dir_;
};

TEST_F(OutputFile, ANewFileGetsTheUmasksMode) {
  ScopedUmask mask(077);
  write_output_file(dir_ + "/perf.json", "{}\n");
  EXPECT_EQ(stat_of(dir_ + "/perf.json").st_mode & 07777, 0600u);
  EXPECT_EQ(read_text(dir_ + "/perf.json"), "{}\n");
  ScopedUmask shared(022);
  write_output_file(dir_ + "/shared.json", "{}\n");
  EXPECT_EQ(stat_of(dir_ + "/shared.json").st_mode & 07777, 0644u);
  EXPECT_EQ(entries(), 2u);
}

TEST_F(OutputFile, AReplacedFileKeepsItsMode) {
  ScopedUmask mask(022);
  std::string path = dir_ + "/private.json";
  std::ofstream(path) << "old";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ino_t old_inode = stat_of(path).st_ino;
  write_output_file(path, "new");
  struct stat st = stat_of(path);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_NE(st.st_ino, old_inode);  // replaced, not rewritten in place: a reader never sees half
  EXPECT_EQ(read_text(path), "new");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  write_output_file(path, "newer");
  EXPECT_EQ(stat_of(path).st_mode & 07777, 0640u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFile, ALinkStaysALinkAndItsTargetIsReplaced) {
  std::string target = dir_ + "/target.json";
  std::ofstream(target) << "old";
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  ASSERT_EQ(::symlink("target.json", (dir_ + "/link.json").c_str()), 0);
  write_output_file(dir_ + "/link.json", "new");
  EXPECT_TRUE(S_ISLNK(stat_of(dir_ + "/link.json").st_mode));
  EXPECT_EQ(read_text(target), "new");
  EXPECT_EQ(stat_of(target).st_mode & 07777, 0600u);
  // A dangling link: its target is created.
  ASSERT_EQ(::symlink("later.json", (dir_ + "/dangling.json").c_str()), 0);
  write_output_file(dir_ + "/dangling.json", "later");
  EXPECT_TRUE(S_ISLNK(stat_of(dir_ + "/dangling.json").st_mode));
  EXPECT_EQ(read_text(dir_ + "/later.json"), "later");
  EXPECT_EQ(entries(), 4u);
}

TEST_F(OutputFile, ACharacterDeviceIsWrittenNotReplaced) {
  std::string device = dir_ + "/mynull";
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod refused (" << std::strerror(errno) << "): needs CAP_MKNOD";
  }
  EXPECT_FALSE(output_file_problem(device).has_value());
  write_output_file(device, "{}\n");
  struct stat st = stat_of(device);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFile, AFifoIsWrittenToItsReader) {
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = read_text(fifo); });
  write_output_file(fifo, "{\"a\": 1}\n");
  reader.join();
  EXPECT_EQ(received, "{\"a\": 1}\n");
  EXPECT_TRUE(S_ISFIFO(stat_of(fifo).st_mode));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(OutputFile, AnOwnDescriptorIsWrittenAtItsOffset) {
  // What `--json /dev/stdout > out.txt` does: the shell's file keeps what came before.
  std::string path = dir_ + "/out.txt";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "table\n", 6), 6);
  write_output_file("/dev/fd/" + std::to_string(fd), "{}\n");
  write_output_file("/proc/self/fd/" + std::to_string(fd), "[]\n");
  ::close(fd);
  EXPECT_EQ(read_text(path), "table\n{}\n[]\n");
  EXPECT_TRUE(names_stdout("/dev/stdout"));
  EXPECT_TRUE(names_stdout("-"));
  EXPECT_FALSE(names_stdout("/dev/stderr"));
}

TEST_F(OutputFile, ProblemsAreFoundBeforeAnythingIsWritten) {
  EXPECT_FALSE(output_file_problem(dir_ + "/new.json").has_value());
  EXPECT_FALSE(output_file_problem("-").has_value());
  EXPECT_THAT(output_file_problem(dir_ + "/missing/x.json").value_or(""),
              HasSubstr("directory '" + dir_ + "/missing' does not exist"));
  EXPECT_THAT(output_file_problem(dir_).value_or(""), HasSubstr("is a directory"));
  // access() says yes to root here; creating a file does not.
  EXPECT_THAT(output_file_problem("/proc/perfgate-output.json").value_or(""),
              HasSubstr("cannot create files in directory '/proc'"));
  EXPECT_THROW(write_output_file(dir_, "x"), RunError);
  EXPECT_EQ(entries(), 0u);
}

}  // namespace
}  // namespace perfgate
