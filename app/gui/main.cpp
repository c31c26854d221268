// SPDX-License-Identifier: GPL-3.0-or-later
// latchmail: the desktop application.
#include "core/profile.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("latchmail"));
    QApplication::setApplicationDisplayName(QStringLiteral("Latchmail"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Latchmail, a mail client with DEEP security "
                                                    "latches."));
    parser.addHelpOption();
    const QCommandLineOption profile(QStringLiteral("profile"),
                                     QStringLiteral("Keep every file of the profile under DIR."),
                                     QStringLiteral("DIR"));
    parser.addOption(profile);
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        parser.showHelp(2);
    }

    const Latchmail::Profile resolved = Latchmail::Profile::resolve(parser.value(profile));
    Latchmail::Ui::MainWindow window(resolved.accountsDirectory());
    window.show();
    return QApplication::exec();
}
