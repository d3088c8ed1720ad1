// SPDX-License-Identifier: MIT
// Proves the ThreadSanitizer setup still catches a race in our code that is
// reached through Qt: CTest expects this test to FAIL (WILL_FAIL) under TSan.
#include <QObject>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

namespace {
int unguardedCounter = 0; // written by two threads with no lock: the deliberate race
}

class Writer : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void write()
    {
        ++unguardedCounter;
        Q_EMIT written();
    }
Q_SIGNALS:
    void written();
};

class TsanProbe : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void raceThroughQueuedCall()
    {
        QThread thread;
        Writer writer;
        writer.moveToThread(&thread);
        thread.start();
        QSignalSpy written(&writer, &Writer::written);
        QMetaObject::invokeMethod(&writer, "write", Qt::QueuedConnection);
        ++unguardedCounter;
        QVERIFY(written.wait());
        thread.quit();
        thread.wait();
        QVERIFY(unguardedCounter >= 1);
    }
};

QTEST_GUILESS_MAIN(TsanProbe)
#include "tst_tsanprobe.moc"
