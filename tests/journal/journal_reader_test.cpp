// JournalReader refusals that do not depend on record contents: missing journals, truncated
// files, newer format versions, damaged meta; and an empty journal reading as empty.
#include <gtest/gtest.h>

#include <filesystem>

#include "journal/journal.hpp"
#include "journal_test_util.hpp"

namespace sequent::journal {
namespace {

using testing::RawJournal;
using testing::read_all;
using testing::TempJournalDir;
using testing::test_meta;
using testing::write_inputs;

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

TEST(JournalReader, RefusesAMissingDirectory) {
  TempJournalDir dir;
  auto r = JournalReader::open(dir.str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(contains(r.error().message, "no journal in " + dir.str())) << r.error().message;
}

TEST(JournalReader, RefusesADirectoryWithoutDataFile) {
  TempJournalDir dir;
  std::filesystem::create_directories(dir.str());
  auto r = JournalReader::open(dir.str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "no journal in " + dir.str())) << r.error().message;
}

TEST(JournalReader, ReadsAnEmptyJournalAsEmpty) {
  TempJournalDir dir;
  {
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_TRUE(w) << w.error().message;
  }
  std::uint64_t n = 99;
  Status st = read_all(dir.str(), &n);
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(n, 0u);
}

TEST(JournalReader, RefusesANewerFormatVersionWithAClearMessage) {
  TempJournalDir dir;
  write_inputs(dir.str(), 1, 10);
  {
    RawJournal raw(dir.str());
    raw.put("meta", "format_version", std::string("\x02\x00\x00\x00", 4));
  }
  const std::string expected =
      "journal " + dir.str() + " was written by format version 2; this sequent reads up to version 1: upgrade sequent";
  auto r = JournalReader::open(dir.str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, expected);
  auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
  ASSERT_FALSE(w) << "resume must refuse a newer format too";
  EXPECT_EQ(w.error().message, expected);
}

TEST(JournalReader, RefusesAJournalWithoutFormatVersion) {
  TempJournalDir dir;
  write_inputs(dir.str(), 1, 10);
  {
    RawJournal raw(dir.str());
    raw.del("meta", "format_version");
  }
  auto r = JournalReader::open(dir.str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "meta has no format_version")) << r.error().message;
}

TEST(JournalReader, RefusesATruncatedDataFileWithoutCrashing) {
  TempJournalDir dir;
  write_inputs(dir.str(), 1, 20'000);
  std::uint64_t used = 0;
  {
    RawJournal raw(dir.str());
    used = raw.used_bytes();
  }
  const std::string data = dir.str() + "/data.mdb";
  ASSERT_GE(std::filesystem::file_size(data), used);
  for (const std::uint64_t size : {used / 2, std::uint64_t{4096 + 100}, std::uint64_t{100}, std::uint64_t{0}}) {
    std::filesystem::resize_file(data, size);
    auto r = JournalReader::open(dir.str());
    ASSERT_FALSE(r) << "accepted data.mdb truncated to " << size << " bytes";
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
    EXPECT_TRUE(contains(r.error().message, "is truncated (" + std::to_string(size) + " bytes")) << r.error().message;
    auto w = JournalWriter::open(dir.str(), test_meta(), WriterOptions{});
    ASSERT_FALSE(w) << "resume accepted data.mdb truncated to " << size << " bytes";
    EXPECT_EQ(w.error().code, ErrorCode::kCorrupt);
  }
}

TEST(JournalReader, RefusesAFileThatIsNotLmdb) {
  TempJournalDir dir;
  std::filesystem::create_directories(dir.str());
  {
    std::FILE* f = std::fopen((dir.str() + "/data.mdb").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(8192, 'j');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  auto r = JournalReader::open(dir.str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(contains(r.error().message, "is not an LMDB environment")) << r.error().message;
}

}  // namespace
}  // namespace sequent::journal
