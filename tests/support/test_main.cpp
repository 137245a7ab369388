// main() of every step's test program. With STEP_LAB_REPORT set (make check), it prints
// a short report for a student instead of GoogleTest's log: each behaviour, passed or
// not, and for a failure what a user would see and which part of the chapter to reread.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

bool is_root() { return ::geteuid() == 0; }

// "ExitStatusesPassBack" -> "exit statuses pass back"
std::string behaviour(const char* test_name) {
  std::string words;
  for (const char* c = test_name; *c != '\0'; ++c) {
    const bool upper = *c >= 'A' && *c <= 'Z';
    if (upper && !words.empty()) words += ' ';
    words += upper ? static_cast<char>(*c - 'A' + 'a') : *c;
  }
  return words;
}

// GoogleTest's wording of a failed check, made into what a student needs: "Expected
// equality of these values:" with the two expressions and their values becomes "saw X,
// expected Y"; "Value of: ... Actual: ... Expected: ..." lines go (the test's own message,
// which follows, says what was wrong).
std::string for_students(const std::string& message) {
  std::istringstream in(message);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line == "Expected equality of these values:") {
      std::vector<std::string> values;  // each expression's value: its "Which is:" or itself
      for (++i; i < lines.size() && lines[i].starts_with("  "); ++i) {
        const auto which = lines[i].find("Which is: ");
        if (which != std::string::npos && !values.empty()) {
          values.back() = lines[i].substr(which + 10);
        } else {
          values.push_back(lines[i].substr(lines[i].find_first_not_of(' ')));
        }
      }
      --i;
      if (values.size() == 2) out += "saw " + values[0] + ", expected " + values[1] + "\n";
      continue;
    }
    if (line.starts_with("Value of: ") || line.starts_with("  Actual: ") ||
        line.starts_with("Expected: ") || line.starts_with("Expected: (") ||
        line.starts_with("  Which is: ")) {
      continue;
    }
    out += line + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

class LabReport : public ::testing::EmptyTestEventListener {
 public:
  explicit LabReport(std::string chapter) : chapter_(std::move(chapter)) {}

  void OnTestProgramStart(const ::testing::UnitTest&) override {
    std::printf("Checking your program against the tests of %s\n\n", chapter_.c_str());
  }

  void OnTestEnd(const ::testing::TestInfo& test) override {
    const ::testing::TestResult& result = *test.result();
    const std::string name = behaviour(test.name());
    if (result.Skipped()) {
      // GTEST_SKIP's message says why: root needed, or a host that cannot show it.
      std::string why;
      for (int i = 0; i < result.total_part_count(); ++i) {
        if (result.GetTestPartResult(i).skipped()) why = result.GetTestPartResult(i).message();
      }
      std::printf("  SKIP  %s: not checked (%s)\n", name.c_str(), why.c_str());
      return;
    }
    if (result.Passed()) {
      std::printf("  ok    %s\n", name.c_str());
      return;
    }
    std::printf("  FAIL  %s\n", name.c_str());
    for (int i = 0; i < result.total_part_count(); ++i) {
      const ::testing::TestPartResult& part = result.GetTestPartResult(i);
      if (!part.failed()) continue;
      std::string message = for_students(part.message());
      // Indent the message: it says what was expected and what the program did.
      for (std::size_t at = 0; (at = message.find('\n', at)) != std::string::npos; at += 7) {
        message.replace(at, 1, "\n       ");
      }
      std::printf("       %s\n", message.c_str());
    }
    for (int i = 0; i < result.test_property_count(); ++i) {
      const ::testing::TestProperty& property = result.GetTestProperty(i);
      if (std::string(property.key()) == "reread") {
        std::printf("       -> reread \"%s\" in %s\n", property.value(), chapter_.c_str());
      }
    }
    std::printf("\n");
  }

  void OnTestProgramEnd(const ::testing::UnitTest& unit) override {
    const int total = unit.total_test_count();
    const int passed = unit.successful_test_count();
    std::printf("\n%d of %d behaviours pass", passed, total);
    if (unit.skipped_test_count() > 0) std::printf(", %d not checked", unit.skipped_test_count());
    std::printf(".%s\n", passed == total ? " This step is done!" : "");
  }

 private:
  std::string chapter_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const bool lab_report = std::getenv("STEP_LAB_REPORT") != nullptr;
  if (lab_report) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    // A test program of many steps (properties, escape doors) grades the one named.
    const char* step = std::getenv("STEP_UNDER_TEST");
    listeners.Append(new LabReport(step != nullptr ? "steps/" + std::string(step) + "/README.md"
                                                   : STEP_CHAPTER));
  }
  const int status = RUN_ALL_TESTS();
  // A behaviour that could not be checked for want of root is not a pass; one this host
  // cannot show at all (a kernel without 32-bit calls) is said, and not held against it.
  if (lab_report && !is_root() && ::testing::UnitTest::GetInstance()->skipped_test_count() > 0)
    return 1;
  return status;
}
