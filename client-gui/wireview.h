// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class ChatClient;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QTableView;
class QToolButton;
class WireModel;
struct WireEvent;

// The Wire view: what the session's connection did, frame by frame, read by
// read, with its timeline and round trip; the selected row's JSON
// pretty-printed and its bytes in hex. It fills only while the session traces
// (MainWindow turns tracing on while the view is open), and holds at most
// WireModel::MaxEvents events.
class WireView : public QWidget
{
    Q_OBJECT
public:
    explicit WireView(ChatClient *client, QWidget *parent = nullptr);

    WireModel *model() const { return m_model; }
    QSortFilterProxyModel *filterModel() const { return m_filter; }
    QTableView *table() const { return m_table; }
    QComboBox *typeFilter() const { return m_typeFilter; }
    // The selected row's details: its JSON pretty-printed, and its bytes in hex.
    QString jsonText() const;
    QString hexText() const;

    // Paused, arriving events are counted, not shown, so a row stays put to read.
    void setPaused(bool paused);
    bool isPaused() const;
    void clear();
    // Writes every event kept as WireEvent::toText() lines; false with *error on failure.
    bool saveTo(const QString &path, QString *error = nullptr) const;

    // Offset, 16 bytes in hex, then the same as ASCII, one line per 16 bytes.
    static QString hexDump(const QByteArray &bytes);

private:
    void onWireEvent(const WireEvent &event);
    void showDetails();
    void applyFilter();
    void save();
    void updateStatus();

    ChatClient *m_client;
    WireModel *m_model;
    QSortFilterProxyModel *m_filter;
    QTableView *m_table;
    QComboBox *m_typeFilter;
    QToolButton *m_pauseButton;
    QLabel *m_statusLabel;
    QPlainTextEdit *m_json;
    QPlainTextEdit *m_hex;
    qint64 m_skipped = 0; // while paused
    double m_roundTripMs = -1;
};
